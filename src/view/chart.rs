//! The `/stats` chart: per-chapter mastery bars and the last 30 days of activity, as PNG,
//! in the learner's language.
//!
//! Drawn with plotters into memory with a bundled font, so it renders on a headless
//! server with no system fonts: a subset of Noto Sans CJK SC (SIL OFL 1.1) with printable
//! ASCII and exactly the characters of the catalogue's chart texts ([`chart_chars`]).
//! `assets/subset-chart-font.sh` regenerates it; a test checks that it covers them all.

use std::collections::BTreeSet;
use std::sync::Once;

use chrono::NaiveDate;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::lang::Lang;
use crate::learn::Stats;
use crate::view::catalogue;

const FONT: &[u8] = include_bytes!("../../assets/chart-font-subset.otf");
const FAMILY: &str = "tutor-chart";
const WIDTH: u32 = 800;
const HEIGHT: u32 = 560;
const MARGIN: u32 = 12;
const X_LABEL_AREA: u32 = 28;
const Y_LABEL_AREA: u32 = 40;
const CAPTION_SIZE: u32 = 20;
const TEXT: RGBColor = BLACK;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known good (a test parses it); were it not, drawing
        // would fail with "font unavailable" and the caller sends the text statistics alone.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Every character the chart can draw in either language: its captions, every chapter
/// label, every day label, and the digits of the axes. The bundled font has a glyph
/// for each (a test checks), and the subset script asks for exactly these.
pub fn chart_chars() -> BTreeSet<char> {
    let mut text = String::from("0123456789");
    for lang in [Lang::Zh, Lang::En] {
        text.push_str(catalogue::chart_mastery_caption(lang));
        text.push_str(&catalogue::chart_activity_caption(lang));
        for n in 0..=u8::MAX {
            text.push_str(&catalogue::chart_chapter(n, lang));
        }
        // A leap year has every day a label can show.
        if let Some(first) = NaiveDate::from_ymd_opt(2024, 1, 1) {
            for day in first.iter_days().take(366) {
                text.push_str(&catalogue::chart_day(day, lang));
            }
        }
    }
    text.chars().collect()
}

/// Renders the chart as PNG bytes, its texts in `lang`.
pub fn stats_png(stats: &Stats, lang: Lang) -> anyhow::Result<Vec<u8>> {
    register_font();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2);
        draw_mastery(&top, stats, lang)?;
        draw_activity(&bottom, stats, lang)?;
        root.present()?;
    }
    encode_png(&rgb)
}

fn draw_mastery<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    stats: &Stats,
    lang: Lang,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = stats.chapters.len().max(2) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(
            catalogue::chart_mastery_caption(lang),
            (FAMILY, CAPTION_SIZE).into_font().color(&TEXT),
        )
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..100u32)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let label_style = (FAMILY, 13).into_font().color(&TEXT);
    let mut labels: Vec<String> = stats
        .chapters
        .iter()
        .map(|c| catalogue::chart_chapter(c.number, lang))
        .collect();
    // Many chapters leave too little room for `第十二章`: then the bars show numbers.
    let room = chart.plotting_area().dim_in_pixel().0 / n;
    let too_wide = labels.iter().any(|l| {
        area.estimate_text_size(l, &label_style)
            .map_or(true, |(w, _)| w + 4 > room)
    });
    if too_wide {
        labels = stats
            .chapters
            .iter()
            .map(|c| c.number.to_string())
            .collect();
    }
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n as usize)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(label_style.clone())
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bars: Vec<_> = stats
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                i as u32,
                percent(c.mastered, c.total),
                percent(c.seen, c.total),
            )
        })
        .collect();
    chart
        .draw_series(bars.iter().map(|&(i, _, seen)| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0),
                    (SegmentValue::Exact(i + 1), seen),
                ],
                RGBColor(200, 220, 240).filled(),
            );
            bar.set_margin(0, 0, 6, 6);
            bar
        }))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(bars.iter().map(|&(i, pct, _)| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0),
                    (SegmentValue::Exact(i + 1), pct),
                ],
                RGBColor(40, 120, 200).filled(),
            );
            bar.set_margin(0, 0, 6, 6);
            bar
        }))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// `part` of `total` in whole percent, 0 for an empty total, at most 100.
fn percent(part: usize, total: usize) -> u32 {
    let pct = (part.saturating_mul(100)).checked_div(total).unwrap_or(0);
    pct.min(100) as u32
}

fn draw_activity<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    stats: &Stats,
    lang: Lang,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let days = &stats.last_30_days;
    let max = days.iter().map(|&(_, n)| n).max().unwrap_or(0).max(4);
    let n = days.len().max(2) as u32;
    let top = max.saturating_add(max / 5).saturating_add(1);
    let mut chart = ChartBuilder::on(area)
        .caption(
            catalogue::chart_activity_caption(lang),
            (FAMILY, CAPTION_SIZE).into_font().color(&TEXT),
        )
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..top)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let labels: Vec<String> = days
        .iter()
        .map(|&(d, _)| catalogue::chart_day(d, lang))
        .collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style((FAMILY, 12).into_font().color(&TEXT))
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(days.iter().enumerate().map(|(i, &(_, count))| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i as u32), 0),
                    (SegmentValue::Exact(i as u32 + 1), count),
                ],
                RGBColor(60, 170, 90).filled(),
            );
            bar.set_margin(0, 0, 2, 2);
            bar
        }))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

fn encode_png(rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::ChapterStats;
    use ab_glyph::{Font, FontRef};

    fn sample() -> Stats {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        Stats {
            answered: 12,
            right: 9,
            streak: 3,
            best_streak: 4,
            due_now: 1,
            unseen: 40,
            wrong: 2,
            chapters: (1..=8)
                .map(|n| ChapterStats {
                    number: n,
                    title: format!("章{n}"),
                    total: 6,
                    seen: n as usize % 7,
                    answered: n as u32,
                    right: 1,
                    mastered: n as usize % 4,
                })
                .collect(),
            last_30_days: (0..30)
                .map(|i| (day + chrono::Days::new(i), (i % 5) as u32))
                .collect(),
            due_forecast: (0..7).map(|i| (day + chrono::Days::new(i), 2)).collect(),
            average_retrievability: Some(0.8),
        }
    }

    /// The chart decoded: width, height and RGB rows.
    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// The pixels of text colour (dark on the white background) in rows `ys` and
    /// columns `xs`, with their leftmost and rightmost columns.
    fn ink(rgb: &[u8], xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> (usize, u32, u32) {
        let (mut count, mut left, mut right) = (0, u32::MAX, 0);
        for y in ys {
            for x in xs.clone() {
                let at = ((y * WIDTH + x) * 3) as usize;
                if rgb[at..at + 3].iter().all(|&v| v < 128) {
                    count += 1;
                    left = left.min(x);
                    right = right.max(x);
                }
            }
        }
        (count, left, right)
    }

    #[test]
    fn renders_a_png_without_system_fonts() {
        for lang in [Lang::Zh, Lang::En] {
            let png = stats_png(&sample(), lang).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert!(png.len() > 2000);
            assert_eq!(decode(&png).0, WIDTH);
        }
    }

    /// The bundled subset has a drawn glyph for every character of every chart text
    /// of the catalogue, in both languages: a chart text with a new character fails
    /// here until `assets/subset-chart-font.sh` is run again.
    #[test]
    fn the_bundled_font_covers_every_chart_text() {
        let font = FontRef::try_from_slice(FONT).unwrap();
        let chars = chart_chars();
        for c in ['第', '章', '掌', '握', 'C', 'h', '%', '-', '0', '9'] {
            assert!(
                chars.contains(&c),
                "{c:?} is not among the chart's characters"
            );
        }
        let missing: String = chars
            .iter()
            .filter(|&&c| {
                let glyph = font.glyph_id(c);
                glyph.0 == 0 || (!c.is_whitespace() && font.outline(glyph).is_none())
            })
            .collect();
        assert!(
            missing.is_empty(),
            "assets/chart-font-subset.otf has no glyph for {missing:?}: run assets/subset-chart-font.sh"
        );
        // And printable ASCII, which the English chart and any number need.
        for c in ' '..='~' {
            assert_ne!(font.glyph_id(c).0, 0, "{c:?}");
        }
    }

    #[test]
    fn the_chinese_chart_draws_its_captions_and_labels() {
        let (width, height, zh) = decode(&stats_png(&sample(), Lang::Zh).unwrap());
        assert_eq!((width, height), (WIDTH, HEIGHT));
        let (.., en) = decode(&stats_png(&sample(), Lang::En).unwrap());
        let panel = HEIGHT / 2;
        // Right of the y axis' labels, so that only captions and x labels are counted.
        let plot = MARGIN + Y_LABEL_AREA..WIDTH - MARGIN;
        for top in [0, panel] {
            // The caption row: a line of 20-pixel text, centred over the panel.
            let caption = top..top + MARGIN + CAPTION_SIZE + 4;
            let (count, left, right) = ink(&zh, plot.clone(), caption.clone());
            assert!(count > 200, "caption at {top}: {count} text pixels");
            assert!(right - left > 100, "caption at {top}: {left}..{right}");
            assert!(left < WIDTH / 2 && right > WIDTH / 2, "{left}..{right}");
            // The Chinese caption is not the English one.
            let differ = caption
                .flat_map(|y| plot.clone().map(move |x| ((y * WIDTH + x) * 3) as usize))
                .filter(|&at| zh[at..at + 3] != en[at..at + 3])
                .count();
            assert!(
                differ > 500,
                "caption at {top}: {differ} pixels differ from English"
            );
            // The row of labels under the bars: chapters above, days below.
            let labels = top + panel - MARGIN - X_LABEL_AREA + 4..top + panel - MARGIN;
            let (count, left, right) = ink(&zh, plot.clone(), labels);
            assert!(count > 80, "labels at {top}: {count} text pixels");
            assert!(right - left > 400, "labels at {top}: {left}..{right}");
        }
        // The chapter labels are Chinese: they differ from `Ch1`….
        let labels = panel - MARGIN - X_LABEL_AREA + 4..panel - MARGIN;
        let differ = labels
            .flat_map(|y| plot.clone().map(move |x| ((y * WIDTH + x) * 3) as usize))
            .filter(|&at| zh[at..at + 3] != en[at..at + 3])
            .count();
        assert!(differ > 500, "{differ} label pixels differ from English");
    }

    #[test]
    fn no_stats_break_the_chart() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let chapter = |number: u8, total: usize, seen: usize, mastered: usize| ChapterStats {
            number,
            title: String::new(),
            total,
            seen,
            answered: u32::MAX,
            right: u32::MAX,
            mastered,
        };
        let empty = Stats {
            answered: 0,
            right: 0,
            streak: 0,
            best_streak: 0,
            due_now: 0,
            unseen: 0,
            wrong: 0,
            chapters: Vec::new(),
            last_30_days: Vec::new(),
            due_forecast: Vec::new(),
            average_retrievability: None,
        };
        let extreme = Stats {
            chapters: vec![
                chapter(0, 0, 5, 5),
                chapter(255, 3, usize::MAX, usize::MAX),
                chapter(100, usize::MAX, 1, 0),
            ],
            last_30_days: vec![(day, u32::MAX), (NaiveDate::MAX, 0), (NaiveDate::MIN, 7)],
            ..empty.clone()
        };
        let crowded = Stats {
            chapters: (0..=255).map(|n| chapter(n, 10, 5, 2)).collect(),
            last_30_days: (0..400).map(|i| (day, i)).collect(),
            ..empty.clone()
        };
        for stats in [empty, extreme, crowded] {
            for lang in [Lang::Zh, Lang::En] {
                let png = stats_png(&stats, lang).unwrap();
                assert_eq!(decode(&png).0, WIDTH);
            }
        }
        assert_eq!(percent(3, 0), 0);
        assert_eq!(percent(usize::MAX, 3), 100);
        assert_eq!(percent(1, 3), 33);
    }

    #[test]
    fn many_chapters_are_labelled_by_number() {
        let mut stats = sample();
        stats.chapters = (1..=30)
            .map(|n| ChapterStats {
                number: n,
                title: String::new(),
                total: 4,
                seen: 2,
                answered: 2,
                right: 1,
                mastered: 1,
            })
            .collect();
        let (.., zh) = decode(&stats_png(&stats, Lang::Zh).unwrap());
        let (.., en) = decode(&stats_png(&stats, Lang::En).unwrap());
        let panel = HEIGHT / 2;
        let labels = panel - MARGIN - X_LABEL_AREA + 4..panel - MARGIN;
        let plot = MARGIN + Y_LABEL_AREA..WIDTH - MARGIN;
        // `第十二章` would not fit 30 bars: both languages show the same numbers.
        assert!(ink(&zh, plot.clone(), labels.clone()).0 > 100);
        let same = labels
            .flat_map(|y| plot.clone().map(move |x| ((y * WIDTH + x) * 3) as usize))
            .all(|at| zh[at..at + 3] == en[at..at + 3]);
        assert!(same);
    }
}
