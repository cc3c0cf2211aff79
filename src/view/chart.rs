//! The `/stats` chart: per-chapter mastery bars and the last 30 days of activity, as PNG.
//!
//! Drawn with plotters into memory with a bundled font (DejaVu Sans, ASCII subset), so it
//! renders on a headless server with no system fonts.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::learn::Stats;

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
const FAMILY: &str = "tutor-sans";
const WIDTH: u32 = 800;
const HEIGHT: u32 = 560;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known good; a failure would only mean unlabelled axes.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Renders the chart as PNG bytes.
pub fn stats_png(stats: &Stats) -> anyhow::Result<Vec<u8>> {
    register_font();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2);
        draw_mastery(&top, stats)?;
        draw_activity(&bottom, stats)?;
        root.present()?;
    }
    encode_png(&rgb)
}

fn draw_mastery<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    stats: &Stats,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = stats.chapters.len().max(2) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Per chapter (%): dark = mastered, light = seen",
            (FAMILY, 20),
        )
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(40)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..100u32)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let labels: Vec<String> = stats
        .chapters
        .iter()
        .map(|c| format!("Ch{}", c.number))
        .collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n as usize)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style((FAMILY, 13))
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bars = stats.chapters.iter().enumerate().map(|(i, c)| {
        let pct = (c.mastered * 100).checked_div(c.total).unwrap_or(0) as u32;
        let seen = (c.seen * 100).checked_div(c.total).unwrap_or(0) as u32;
        (i as u32, pct, seen)
    });
    let bars: Vec<_> = bars.collect();
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

fn draw_activity<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    stats: &Stats,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let days = &stats.last_30_days;
    let max = days.iter().map(|&(_, n)| n).max().unwrap_or(0).max(4);
    let n = days.len().max(2) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption("Answers per day, last 30 days", (FAMILY, 20))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(40)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..(max + max / 5 + 1))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let labels: Vec<String> = days
        .iter()
        .map(|(d, _)| d.format("%m-%d").to_string())
        .collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style((FAMILY, 12))
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
    use chrono::NaiveDate;

    #[test]
    fn renders_a_png_without_system_fonts() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let stats = Stats {
            answered: 12,
            right: 9,
            streak: 3,
            best_streak: 4,
            due_now: 1,
            unseen: 40,
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
        };
        let png = stats_png(&stats).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(png.len() > 2000);
    }
}
