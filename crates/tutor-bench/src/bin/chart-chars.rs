//! Prints every character the `/stats` chart can draw (in either language), for
//! `assets/subset-chart-font.sh`, which keeps exactly these glyphs of the font. (A
//! helper of that script, kept with the benchmark programs: not part of the bot.)

fn main() {
    let chars: String = tutor::view::chart::chart_chars().into_iter().collect();
    println!("{chars}");
}
