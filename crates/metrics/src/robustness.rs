//! Comment robustness (Flow's trivial, regular and robust comments): how much a comment
//! says, by the length of its text. Thoroughly reviewed pull requests need a regular or
//! robust comment by a reviewer; every comment, a trivial one included, is still a
//! comment (the first comment, a reviewer action).

use serde::{Deserialize, Serialize};

/// How much a comment says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Robustness {
    /// Shorter than the regular threshold: "LGTM", "+1", "👍".
    Trivial,
    Regular,
    /// At least the robust threshold.
    Robust,
}

impl Robustness {
    /// Regular or robust: what makes a pull request thoroughly reviewed.
    pub fn is_substantial(self) -> bool {
        self >= Robustness::Regular
    }
}

/// Where regular and robust comments start, in characters of the trimmed text
/// (Unicode scalar values: an emoji is one or a few). Each integration keeps its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobustnessThresholds {
    pub regular_from: u32,
    pub robust_from: u32,
}

impl Default for RobustnessThresholds {
    /// 20 characters make a regular comment (a sentence: more than "LGTM, thanks!"),
    /// 200 a robust one (a paragraph).
    fn default() -> Self {
        RobustnessThresholds {
            regular_from: 20,
            robust_from: 200,
        }
    }
}

impl RobustnessThresholds {
    /// The thresholds, when they make sense: regular at least 1, robust above regular,
    /// neither beyond 10,000 characters.
    pub fn new(regular_from: u32, robust_from: u32) -> Option<Self> {
        (1..=10_000)
            .contains(&regular_from)
            .then_some(())
            .filter(|_| regular_from < robust_from && robust_from <= 10_000)
            .map(|_| RobustnessThresholds {
                regular_from,
                robust_from,
            })
    }

    /// The robustness of a comment with this text.
    pub fn of(&self, text: &str) -> Robustness {
        let length = text.trim().chars().count();
        if length >= self.robust_from as usize {
            Robustness::Robust
        } else if length >= self.regular_from as usize {
            Robustness::Regular
        } else {
            Robustness::Trivial
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_decides_and_an_emoji_is_a_trivial_comment() {
        let thresholds = RobustnessThresholds::default();
        assert_eq!(thresholds.of("👍"), Robustness::Trivial);
        assert_eq!(thresholds.of("  LGTM  "), Robustness::Trivial);
        assert_eq!(
            thresholds.of("Could this lock be taken later?"),
            Robustness::Regular
        );
        assert_eq!(thresholds.of(&"a".repeat(200)), Robustness::Robust);
        assert_eq!(thresholds.of(&"a".repeat(199)), Robustness::Regular);
        assert!(RobustnessThresholds::new(0, 10).is_none());
        assert!(RobustnessThresholds::new(50, 50).is_none());
        assert!(RobustnessThresholds::new(10, 20_000).is_none());
        assert_eq!(
            RobustnessThresholds::new(5, 50).unwrap().of("short one"),
            Robustness::Regular
        );
    }
}
