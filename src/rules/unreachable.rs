//! Sources that could not be asked: each is left out of the comparison.

use crate::finding::{Code, Severity};
use crate::model::{Evidence, Outcome};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[Code::SOURCE_UNREACHABLE];

/// Sources that could not be asked: each is left out of the comparison.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let sources = input.sources;
    let mut out = RuleOutput::default();
    for source in sources {
        if let Outcome::Error(why) = &source.outcome {
            out.add(
                Code::SOURCE_UNREACHABLE,
                Severity::Warning,
                format!(
                    "{} could not be asked ({why}); it is left out of the comparison",
                    source.source
                ),
                vec![
                    Evidence::object("Answer", None, source.source.as_str())
                        .field("error", why.clone()),
                ],
            );
        }
    }
    out
}
