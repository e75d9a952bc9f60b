//! The till analytics' charts, drawn on the server as SVG by plotters: plain
//! shapes and text with presentation attributes (no script, no `style`
//! attribute), so a page shows them inline under its strict
//! Content-Security-Policy, and they scale to a phone's width. Each chart
//! shows the period chosen as bars and the period before it as a grey mark.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// The period chosen.
const CURRENT: RGBColor = RGBColor(0x0b, 0x5c, 0xad);
/// The period before it.
const PREVIOUS: RGBColor = RGBColor(0x8a, 0x94, 0xa6);
const INK: RGBColor = RGBColor(0x3b, 0x45, 0x54);
const FONT: &str = "sans-serif";
const WIDTH: u32 = 640;
/// Rows a bar chart draws (the table beside it lists them all).
pub const ROWS_MAX: usize = 12;
/// Longest label drawn, in characters.
const LABEL_MAX: usize = 12;

/// One bar: what it names, the period's figure, and the previous period's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub current: u64,
    pub previous: Option<u64>,
}

/// The legend's words, in the page's language.
#[derive(Clone, Copy, Debug)]
pub struct Legend<'a> {
    pub current: &'a str,
    pub previous: &'a str,
}

/// Fen as whole yuan on an axis: `¥1,234`.
fn axis_yuan(fen: u64) -> String {
    let yuan = (fen / 100).to_string();
    let mut out = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("¥{out}")
}

/// A scale's top: a little above the largest figure, never zero.
fn top(values: impl Iterator<Item = u64>) -> u64 {
    let max = values.max().unwrap_or(0).max(100);
    max.saturating_add(max / 8)
}

fn cut(label: &str) -> String {
    let mut chars = label.chars();
    let head: String = chars.by_ref().take(LABEL_MAX).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// Draws with `draw` into an SVG of `height`; plotters' errors (which an SVG
/// string cannot really have) leave an empty chart rather than a broken page.
fn svg(height: u32, draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Option<()>) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        let drawn = root.fill(&WHITE).ok().and_then(|()| draw(&root)).and_then(|()| root.present().ok());
        if drawn.is_none() {
            tracing::warn!("a chart could not be drawn");
        }
    }
    out
}

/// Horizontal bars, the largest first: sales by department, by segment, top items.
pub fn bars(rows: &[Bar], legend: Legend<'_>) -> String {
    let rows: Vec<&Bar> = rows.iter().take(ROWS_MAX).collect();
    let n = rows.len().max(1);
    let height = 70 + 30 * n as u32;
    let max = top(rows.iter().flat_map(|r| [r.current, r.previous.unwrap_or(0)]));
    // Segment 0 is drawn at the bottom: the first row goes in the top one.
    let row_at = |segment: usize| n.checked_sub(segment + 1).and_then(|i| rows.get(i));
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(140)
            .build_cartesian_2d(0u64..max, (0..n).into_segmented())
            .ok()?;
        let label = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => row_at(*i).map(|r| cut(&r.label)).unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(5)
            .x_label_formatter(&|v| axis_yuan(*v))
            .y_labels(n)
            .y_label_formatter(&label)
            .label_style((FONT, 16).into_font().color(&INK))
            .draw()
            .ok()?;
        let current = (0..n).filter_map(|s| row_at(s).map(|r| (s, r.current)));
        chart
            .draw_series(Histogram::horizontal(&chart).style(CURRENT.filled()).margin(7).data(current))
            .ok()?
            .label(legend.current)
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], CURRENT.filled()));
        let previous: Vec<(usize, u64)> =
            (0..n).filter_map(|s| row_at(s).and_then(|r| r.previous.map(|p| (s, p)))).collect();
        if !previous.is_empty() {
            chart
                .draw_series(previous.iter().map(|(s, p)| {
                    PathElement::new(
                        vec![(*p, SegmentValue::Exact(*s)), (*p, SegmentValue::Exact(s + 1))],
                        PREVIOUS.stroke_width(3),
                    )
                }))
                .ok()?
                .label(legend.previous)
                .legend(|(x, y)| PathElement::new(vec![(x + 6, y - 6), (x + 6, y + 6)], PREVIOUS.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(PREVIOUS)
            .label_font((FONT, 15).into_font().color(&INK))
            .draw()
            .ok()
    })
}

/// Sales by hour of the day: bars for the period, a grey line for the one before.
pub fn hours(current: &[u64; 24], previous: &[u64; 24], legend: Legend<'_>) -> String {
    let max = top(current.iter().chain(previous.iter()).copied());
    svg(300, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d((0u32..24u32).into_segmented(), 0u64..max)
            .ok()?;
        let hour = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(h) if h.is_multiple_of(3) => format!("{h:02}"),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(24)
            .x_label_formatter(&hour)
            .y_labels(5)
            .y_label_formatter(&|v| axis_yuan(*v))
            .label_style((FONT, 16).into_font().color(&INK))
            .draw()
            .ok()?;
        let bars = (0u32..24).map(|h| (h, current[h as usize]));
        chart
            .draw_series(Histogram::vertical(&chart).style(CURRENT.filled()).margin(3).data(bars))
            .ok()?
            .label(legend.current)
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], CURRENT.filled()));
        let line = (0u32..24).map(|h| (SegmentValue::CenterOf(h), previous[h as usize]));
        chart
            .draw_series(LineSeries::new(line, PREVIOUS.stroke_width(2)))
            .ok()?
            .label(legend.previous)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], PREVIOUS.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(PREVIOUS)
            .label_font((FONT, 15).into_font().color(&INK))
            .draw()
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGEND: Legend<'static> = Legend { current: "本期", previous: "上期" };

    #[test]
    fn bars_name_every_row_and_carry_no_script_or_style() {
        let rows = vec![
            Bar { label: "饮料".into(), current: 123_400, previous: Some(100_000) },
            Bar { label: "零食".into(), current: 56_700, previous: None },
            Bar { label: "一个很长很长很长的商品名称".into(), current: 100, previous: Some(0) },
        ];
        let svg = bars(&rows, LEGEND);
        assert!(svg.starts_with("<svg") && svg.contains("viewBox"), "{svg}");
        for text in ["饮料", "零食", "一个很长很长很长的商品名…", "本期", "上期", "¥1,"] {
            assert!(svg.contains(text), "{text} in {svg}");
        }
        assert!(!svg.contains("style=") && !svg.contains("<script"), "CSP-safe");
        // Nothing to show is still a chart, not an error.
        assert!(bars(&[], LEGEND).starts_with("<svg"));
    }

    #[test]
    fn hours_label_the_day_every_three_hours() {
        let mut current = [0u64; 24];
        current[12] = 99_900;
        let svg = hours(&current, &[500; 24], LEGEND);
        for text in ["\n00\n", "\n12\n", "\n21\n", "本期", "上期"] {
            assert!(svg.contains(text), "{text} in {svg}");
        }
        assert!(!svg.contains("\n13\n"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn yuan_on_the_axis() {
        assert_eq!(axis_yuan(0), "¥0");
        assert_eq!(axis_yuan(123_456_789), "¥1,234,567");
        assert_eq!(axis_yuan(99_999), "¥999");
    }
}
