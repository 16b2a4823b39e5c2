//! The plain-language statement of a finding, one line a risk officer can
//! paste into a register.

/// A number as statements show it: two decimals, three below 0.01, one from 100.
pub fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.01 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A p-value: three decimals, scientific below 0.001; one that underflowed
/// to 0 is below the smallest double, not 0.
pub fn p_text(p: f64) -> String {
    if p == 0.0 {
        "< 1e-300".into()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// "= 0.021", or "< 1e-300" for one that underflowed: to follow "p ".
pub fn p_is(p: f64) -> String {
    if p == 0.0 {
        p_text(p)
    } else {
        format!("= {}", p_text(p))
    }
}

/// " (95% CI 0.77–0.95)", or nothing without an interval.
pub fn ci_text(level: &str, ci: Option<(f64, f64)>) -> String {
    ci.map(|(lo, hi)| format!(" ({level} CI {}–{})", fmt(lo), fmt(hi)))
        .unwrap_or_default()
}

/// The text with its first letter in upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
