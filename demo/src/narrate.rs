//! How the tour talks: scene headings and narration.

/// Prints a scene heading.
pub fn scene(number: usize, title: &str) {
    println!();
    println!(
        "━━ {number}. {title} {}",
        "━".repeat(70usize.saturating_sub(title.len() + 6))
    );
}

/// Prints narration, indented.
pub fn say(text: &str) {
    for line in text.lines() {
        println!("   {line}");
    }
}

/// Prints a block (a table, a tree, a chart) indented under the narration.
pub fn show(block: &str) {
    for line in block.lines() {
        println!("     {line}");
    }
}
