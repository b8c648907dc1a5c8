//! What each finding code means and what to do about it, from `docs/findings.md` as built into
//! the binary: `meshdig explain CODE` prints a code's section offline, and every finding carries
//! the section's "What to do" in brief with a stable reference to it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::finding::Code;

/// The findings page the sections come from, as it was when meshdig was built.
const FINDINGS_PAGE: &str = include_str!("../docs/findings.md");

/// The page's `## code` sections of every declared code, by code.
static SECTIONS: LazyLock<BTreeMap<&'static str, &'static str>> = LazyLock::new(|| {
    let codes = crate::mesh::declared_codes();
    let mut sections = BTreeMap::new();
    let mut rest = FINDINGS_PAGE;
    while let Some(at) = rest.find("\n## ") {
        let section = &rest[at + 1..];
        let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
        let title = section[3..].lines().next().unwrap_or_default().trim();
        if let Some(code) = codes.iter().find(|c| c.as_str() == title) {
            sections.insert(code.as_str(), section[..end].trim_end());
        }
        rest = &section[end..];
    }
    sections
});

/// The page's section about `code` (its markdown, heading first), when the page documents it.
pub fn section(code: &str) -> Option<&'static str> {
    SECTIONS.get(code).copied()
}

/// Every documented code, in the page's alphabetical order of codes.
pub fn codes() -> Vec<&'static str> {
    SECTIONS.keys().copied().collect()
}

/// The stable reference of `code`'s documentation: its anchor on the findings page.
pub fn reference(code: Code) -> String {
    format!("docs/findings.md#{}", code.as_str())
}

/// What to do about a finding of `code`, in brief: the section's "What to do" paragraph, or its
/// first step when it is a list of steps.
pub fn what_to_do(code: Code) -> Option<String> {
    let section = section(code.as_str())?;
    let start = section.find("**What to do.**")? + "**What to do.**".len();
    let body = &section[start..];
    let body = &body[..body.find("\n**").unwrap_or(body.len())];
    let mut blocks = body.split("\n\n").map(str::trim).filter(|b| !b.is_empty());
    let first = blocks.next()?;
    let brief = match first.strip_prefix("- ") {
        Some(step) => first_item(step),
        None if first.ends_with(':') => {
            let step = blocks.next().and_then(|b| b.strip_prefix("- "));
            format!("{first} {}", step.map(first_item).unwrap_or_default())
        }
        None => first.to_string(),
    };
    Some(plain(&brief))
}

/// The first item of a markdown list that starts at `items` (its `- ` already taken off).
fn first_item(items: &str) -> String {
    items.split("\n- ").next().unwrap_or(items).to_string()
}

/// Markdown as plain text for a terminal: one line, no bold markers, links as their text.
pub fn plain(markdown: &str) -> String {
    unmarked(&markdown.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A line of markdown without bold markers, its links as their text.
pub fn unmarked(line: &str) -> String {
    let text = line.replace("**", "");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('[') {
        let Some((label, after)) = rest[open + 1..].split_once("](") else {
            break;
        };
        let Some(close) = after.find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(label);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_code_has_a_section_and_something_to_do() {
        for code in crate::mesh::declared_codes() {
            assert!(section(code.as_str()).is_some(), "{code}");
            let todo = what_to_do(code).unwrap_or_else(|| panic!("{code} has no What to do"));
            assert!(todo.len() > 10 && !todo.contains("**"), "{code}: {todo}");
        }
    }

    #[test]
    fn briefs_take_the_paragraph_or_the_first_step() {
        let nothing = what_to_do(Code::new("nodata-vs-nxdomain")).unwrap();
        assert!(
            nothing.starts_with("Nothing. NODATA is the correct answer"),
            "{nothing}"
        );
        let steps = what_to_do(Code::new("auto-allocated-vip")).unwrap();
        assert_eq!(
            steps,
            "List every port the application uses in the ServiceEntry's `ports`."
        );
        assert_eq!(plain("see [`a-b`](#a-b) **now**"), "see `a-b` now");
    }
}
