//! Sources that could not be asked, or whose answer a snapshot did not record: each is left out
//! of the comparison.

use crate::finding::{Code, Severity};
use crate::model::{Evidence, Outcome};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[Code::SOURCE_UNREACHABLE, Code::NOT_RECORDED];

/// Sources that could not be asked, or were not recorded: each is left out of the comparison.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let sources = input.sources;
    let mut out = RuleOutput::default();
    for source in sources {
        let (code, summary, field, why) = match &source.outcome {
            Outcome::Error(why) => (
                Code::SOURCE_UNREACHABLE,
                format!("{} could not be asked ({why})", source.source),
                "error",
                why,
            ),
            Outcome::NotRecorded(why) => (
                Code::NOT_RECORDED,
                format!("{}: {why}", source.source),
                "not_recorded",
                why,
            ),
            _ => continue,
        };
        out.add(
            code,
            Severity::Warning,
            format!("{summary}; it is left out of the comparison"),
            vec![
                Evidence::object("Answer", None, source.source.as_str()).field(field, why.clone()),
            ],
        );
    }
    out
}
