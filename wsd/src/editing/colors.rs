//! Each session's colour for its caret, selection and name flag: distinct for the first ten
//! people of a document, readable on white.

const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f00", "#3b3b98",
];

/// The first colour no present session uses (the palette repeats beyond ten).
pub fn pick<'a>(in_use: impl Iterator<Item = &'a str>) -> &'static str {
    let used: Vec<&str> = in_use.collect();
    PALETTE
        .iter()
        .find(|c| !used.contains(c))
        .copied()
        .unwrap_or(PALETTE[used.len() % PALETTE.len()])
}

#[cfg(test)]
mod tests {
    #[test]
    fn colours_differ_until_the_palette_runs_out() {
        let first = super::pick([].into_iter());
        let second = super::pick([first].into_iter());
        assert_ne!(first, second);
    }
}
