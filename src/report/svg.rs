//! Hand-written SVG charts for the HTML report: no fonts to ship (the page's
//! sans-serif), no scripts, every text escaped, a text alternative on each.
//! Colours are the Okabe–Ito palette (safe for colour-blind readers), and every
//! encoding also has a shape or a label, so charts read without colour.

use std::fmt::Write;

/// Okabe–Ito colours.
pub const BLUE: &str = "#0072B2";
/// Colour of failures (Okabe–Ito palette, colour-blind safe).
pub const VERMILLION: &str = "#D55E00";
/// Colour of passes.
pub const GREEN: &str = "#009E73";
/// Colour of warnings.
pub const ORANGE: &str = "#E69F00";
/// Colour of what is not judged.
pub const GREY: &str = "#6b6b6b";

/// Escapes text for SVG/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// One row of a dot-and-whisker chart.
#[derive(Clone, Debug)]
pub struct Row {
    /// The row's label.
    pub label: String,
    /// Its value.
    pub value: Option<f64>,
    /// Its interval.
    pub ci: Option<(f64, f64)>,
    /// The reference group: drawn as a diamond and labelled.
    pub reference: bool,
    /// Too small to judge: drawn hollow and labelled.
    pub insufficient: bool,
    /// Breaches the policy: drawn as a cross in vermillion and labelled.
    pub failing: bool,
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The layout of a dot chart: where values and rows go.
struct Layout {
    label_w: f64,
    plot_w: f64,
    top: f64,
    row_h: f64,
    lo: f64,
    hi: f64,
}

impl Layout {
    fn x(&self, v: f64) -> f64 {
        self.label_w + (v.clamp(self.lo, self.hi) - self.lo) / (self.hi - self.lo) * self.plot_w
    }
    fn bottom(&self, rows: usize) -> f64 {
        self.top + self.row_h * rows as f64
    }
}

/// The text alternative of a dot chart: every row in words.
fn dot_description(title: &str, rows: &[Row]) -> String {
    let mut desc = format!("{title}. ");
    for r in rows {
        let _ = write!(
            desc,
            "{}: {}{}{}{}. ",
            r.label,
            r.value.map_or("undefined".into(), |v| format!("{v:.3}")),
            r.ci.map_or(String::new(), |(a, b)| format!(
                " (interval {a:.3} to {b:.3})"
            )),
            if r.reference { ", reference group" } else { "" },
            if r.insufficient {
                ", too few rows to judge"
            } else if r.failing {
                ", breaches the policy"
            } else {
                ""
            }
        );
    }
    desc
}

/// The shaded band, the axis with ticks, and the reference line.
fn dot_axis(s: &mut String, g: &Layout, bottom: f64, band: Option<(f64, f64)>, line: Option<f64>) {
    let (top, label_w) = (g.top, g.label_w);
    if let Some((a, b)) = band {
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e8e8e8\" stroke=\"#bbb\" stroke-dasharray=\"3 2\"/>",
            g.x(a),
            g.x(b) - g.x(a),
            bottom - top
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{label_w}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#333\"/>",
        label_w + g.plot_w
    );
    for i in 0..=5 {
        let v = g.lo + (g.hi - g.lo) * i as f64 / 5.0;
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{bottom}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"#333\"/><text x=\"{0:.1}\" y=\"{2}\" class=\"tick\" text-anchor=\"middle\">{3}</text>",
            g.x(v),
            bottom + 4.0,
            bottom + 16.0,
            if (g.hi - g.lo) >= 1.0 { format!("{v:.1}") } else { format!("{v:.2}") }
        );
    }
    if let Some(l) = line {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"{GREY}\" stroke-dasharray=\"4 3\"/>",
            g.x(l)
        );
    }
}

/// The marker of a value: a diamond for the reference, a cross for a breach,
/// a hollow circle when too small to judge, else a filled circle.
fn dot_marker(s: &mut String, r: &Row, cx: f64, cy: f64) {
    if r.reference {
        let _ = write!(
            s,
            "<path d=\"M{cx:.1} {:.1} L{:.1} {cy:.1} L{cx:.1} {:.1} L{:.1} {cy:.1} Z\" fill=\"{BLUE}\" stroke=\"#000\"/>",
            cy - 6.0,
            cx + 6.0,
            cy + 6.0,
            cx - 6.0
        );
    } else if r.failing {
        let _ = write!(
            s,
            "<path d=\"M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}\" stroke=\"{VERMILLION}\" stroke-width=\"3\"/>",
            cx - 5.0,
            cy - 5.0,
            cx + 5.0,
            cy + 5.0,
            cx - 5.0,
            cy + 5.0,
            cx + 5.0,
            cy - 5.0
        );
    } else if r.insufficient {
        let _ = write!(
            s,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"#fff\" stroke=\"{GREY}\" stroke-width=\"2\"/>"
        );
    } else {
        let _ = write!(
            s,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{GREEN}\" stroke=\"#000\"/>"
        );
    }
}

/// One row: its label, whisker, marker and value.
fn dot_row(s: &mut String, g: &Layout, i: usize, r: &Row) {
    let cy = g.top + g.row_h * (i as f64 + 0.5);
    let weight = if r.reference {
        " font-weight=\"bold\""
    } else {
        ""
    };
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{:.1}\" class=\"lbl\" text-anchor=\"end\"{weight}>{}</text>",
        g.label_w - 8.0,
        cy + 4.0,
        esc(&truncate(&r.label, 28))
    );
    if let Some((a, b)) = r.ci {
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"#333\" stroke-width=\"1.5\"/>\
             <line x1=\"{0:.1}\" y1=\"{2:.1}\" x2=\"{0:.1}\" y2=\"{3:.1}\" stroke=\"#333\"/>\
             <line x1=\"{1:.1}\" y1=\"{2:.1}\" x2=\"{1:.1}\" y2=\"{3:.1}\" stroke=\"#333\"/>",
            g.x(a),
            g.x(b),
            cy - 4.0,
            cy + 4.0
        );
    }
    let status = if r.insufficient {
        "too few rows"
    } else if r.failing {
        "BREACH"
    } else if r.reference {
        "reference"
    } else {
        ""
    };
    let text_x = g.label_w + g.plot_w + 8.0;
    match r.value {
        Some(v) => {
            dot_marker(s, r, g.x(v), cy);
            let _ = write!(
                s,
                "<text x=\"{text_x:.1}\" y=\"{:.1}\" class=\"val\">{v:.3} {}</text>",
                cy + 4.0,
                esc(status)
            );
        }
        None => {
            let _ = write!(
                s,
                "<text x=\"{text_x:.1}\" y=\"{:.1}\" class=\"val\">undefined</text>",
                cy + 4.0
            );
        }
    }
}

/// A horizontal dot-and-whisker chart of `rows` on [lo, hi], with an optional
/// shaded band (e.g. the 0.8–1.25 four-fifths band) and reference line.
pub fn dot_chart(
    id: &str,
    title: &str,
    rows: &[Row],
    (lo, hi): (f64, f64),
    band: Option<(f64, f64)>,
    line: Option<f64>,
) -> String {
    let g = Layout {
        label_w: 190.0,
        plot_w: 380.0,
        top: 30.0,
        row_h: 22.0,
        lo,
        hi,
    };
    let status_w = 110.0;
    let h = g.bottom(rows.len()) + 34.0;
    let w = g.label_w + g.plot_w + status_w;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(&dot_description(title, rows))
    );
    let _ = write!(
        s,
        "<text x=\"0\" y=\"16\" class=\"ct\">{}</text>",
        esc(title)
    );
    dot_axis(&mut s, &g, g.bottom(rows.len()), band, line);
    for (i, r) in rows.iter().enumerate() {
        dot_row(&mut s, &g, i, r);
    }
    s.push_str("</svg>");
    s
}

/// A line chart of one series per label over runs (x = run index).
pub fn trend_chart(
    id: &str,
    title: &str,
    runs: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    let (w, h) = (680.0, 240.0);
    let (left, right, top, bottom) = (50.0, 170.0, 30.0, 40.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let vals: Vec<f64> = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied())
        .collect();
    let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = vals
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(1.0);
    let n = runs.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + pw * i as f64 / n;
    let y = |v: f64| top + ph - (v - lo) / (hi - lo) * ph;
    let colours = [BLUE, VERMILLION, GREEN, ORANGE, "#CC79A7", "#56B4E9"];
    let dashes = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 2"];
    let mut desc = format!("{title} across runs {}. ", runs.join(", "));
    for (l, v) in series {
        let _ = write!(
            desc,
            "{l}: {}. ",
            v.iter()
                .map(|x| x.map_or("undefined".into(), |x| format!("{x:.3}")))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut s = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc><text x=\"0\" y=\"16\" class=\"ct\">{}</text>",
        esc(title),
        esc(&desc),
        esc(title)
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{0}\" stroke=\"#333\"/>",
        top + ph,
        left + pw
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * i as f64 / 4.0;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{v:.2}</text>",
            left - 4.0,
            y(v) + 4.0
        );
    }
    for (i, r) in runs.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            x(i),
            top + ph + 16.0,
            esc(r)
        );
    }
    for (k, (label, v)) in series.iter().enumerate() {
        let c = colours[k % colours.len()];
        let d = dashes[k % dashes.len()];
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| format!("{:.1},{:.1}", x(i), y(p))))
            .collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"{d}\"/>",
            pts.join(" ")
        );
        for (i, p) in v.iter().enumerate() {
            if let Some(p) = p {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{c}\"/>",
                    x(i),
                    y(*p)
                );
            }
        }
        let _ = write!(
            s,
            "<line x1=\"{0}\" y1=\"{1:.1}\" x2=\"{2}\" y2=\"{1:.1}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"{d}\"/><text x=\"{3}\" y=\"{4:.1}\" class=\"lbl\">{5}</text>",
            left + pw + 10.0,
            top + 10.0 + 16.0 * k as f64,
            left + pw + 34.0,
            left + pw + 38.0,
            top + 14.0 + 16.0 * k as f64,
            esc(&truncate(label, 20))
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal stacked bars: one bar per row, one segment per category (the
/// shares of a row sum to 1), each segment labelled with its share when wide
/// enough, and a legend; for the mix of outcomes by group.
pub fn stacked_bars(
    id: &str,
    title: &str,
    categories: &[String],
    rows: &[(String, Vec<f64>)],
) -> String {
    const PALETTE: [&str; 7] = [
        BLUE, ORANGE, GREEN, VERMILLION, "#CC79A7", "#56B4E9", "#F0E442",
    ];
    let (label_w, plot_w, top, row_h) = (190.0, 380.0, 30.0, 22.0);
    let legend_y = top + row_h * rows.len() as f64 + 14.0;
    let h = legend_y + 20.0;
    let w = label_w + plot_w + 20.0;
    let desc = rows
        .iter()
        .map(|(l, v)| {
            let parts: Vec<String> = categories
                .iter()
                .zip(v)
                .map(|(c, x)| format!("{c} {:.1}%", 100.0 * x))
                .collect();
            format!("{l}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc><text x=\"0\" y=\"16\" class=\"ct\">{}</text>",
        esc(title),
        esc(&desc),
        esc(title)
    );
    for (i, (label, shares)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&truncate(label, 28))
        );
        let mut x = label_w;
        for (j, v) in shares.iter().enumerate() {
            let bw = v.clamp(0.0, 1.0) * plot_w;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                y + 2.0,
                row_h - 6.0,
                PALETTE[j % PALETTE.len()]
            );
            if bw > 34.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#fff\">{:.0}%</text>",
                    x + 3.0,
                    y + 14.0,
                    100.0 * v
                );
            }
            x += bw;
        }
    }
    let mut x = label_w;
    for (j, c) in categories.iter().enumerate() {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            legend_y,
            PALETTE[j % PALETTE.len()],
            x + 13.0,
            legend_y + 9.0,
            esc(&truncate(c, 18))
        );
        x += 18.0 + 7.0 * c.chars().count().min(18) as f64;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let rows = vec![Row {
            label: "<script>alert('x')</script> & \"q\"".into(),
            value: Some(0.5),
            ci: Some((0.4, 0.6)),
            reference: false,
            insufficient: false,
            failing: true,
        }];
        let s = dot_chart("c1", "t<", &rows, (0.0, 1.0), Some((0.8, 1.25)), Some(1.0));
        assert!(!s.contains("<script>"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(s.contains("BREACH"));
        assert!(s.contains("<title id=\"c1-t\">t&lt;</title>"));
    }
}
