//! Customer segments (客层): the key the cashier presses after the basket,
//! naming who bought it. The merchant's setting; this default set otherwise.

use serde::{Deserialize, Serialize};

use crate::catalogue::clean_text;

/// Segments a merchant may define (the keys 1–9).
pub const SEGMENTS_MAX: usize = 9;
/// Longest segment name, in characters.
pub const SEGMENT_NAME_MAX: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Stable: what baskets record and the figures group by.
    pub code: String,
    /// What the till's key says.
    pub name: String,
}

/// The default set: age and sex, as a shop's segment keys usually are, and students.
pub fn default_segments() -> Vec<Segment> {
    [
        ("young_man", "青年男"),
        ("young_woman", "青年女"),
        ("man", "中年男"),
        ("woman", "中年女"),
        ("senior", "老年"),
        ("student", "学生"),
    ]
    .iter()
    .map(|(code, name)| Segment { code: code.to_string(), name: name.to_string() })
    .collect()
}

/// The English name of a default segment (its Chinese name is [`Segment::name`]);
/// a merchant's own segments have only the name the merchant gave them.
pub fn english_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "young_man" => "Young man",
        "young_woman" => "Young woman",
        "man" => "Man",
        "woman" => "Woman",
        "senior" => "Senior",
        "student" => "Student",
        _ => return None,
    })
}

/// A merchant's own segments from their names, in key order: codes `s1`…`s9`.
pub fn own_segments(names: &[String]) -> Result<Vec<Segment>, String> {
    if names.is_empty() || names.len() > SEGMENTS_MAX {
        return Err(format!("1 to {SEGMENTS_MAX} segments"));
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let name = clean_text(name, SEGMENT_NAME_MAX)
            .ok_or_else(|| format!("segment {}: 1 to {SEGMENT_NAME_MAX} characters", i + 1))?;
        if out.iter().any(|s: &Segment| s.name == name) {
            return Err(format!("segment {name:?} is there twice"));
        }
        out.push(Segment { code: format!("s{}", i + 1), name });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merchant_names_its_own() {
        assert_eq!(default_segments().len(), 6);
        let own = own_segments(&["游客".into(), "熟客".into()]).unwrap();
        assert_eq!(own[1], Segment { code: "s2".into(), name: "熟客".into() });
        assert!(own_segments(&[]).is_err());
        assert!(own_segments(&["a".into(), "a".into()]).is_err());
        assert!(own_segments(&vec!["x".to_string(); 10]).is_err());
    }
}
