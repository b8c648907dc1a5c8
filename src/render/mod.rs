//! Renderers: turn a [`crate::report::Report`] into a table, JSON or YAML. They decide nothing.

pub mod audit;
pub mod check;
pub mod dto;
pub mod json;
pub mod listing;
pub mod message;
pub mod table;

/// `document` as pretty-printed JSON with a trailing newline.
pub fn json_text(document: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("JSON values always serialize");
    text.push('\n');
    text
}

/// `document` as YAML, the same fields as its JSON.
pub fn yaml_text(document: &serde_json::Value) -> String {
    serde_yaml_ng::to_string(document).expect("JSON values always serialize as YAML")
}

/// `text` as it may reach a terminal: every control character that a server or a file put in a
/// name, a record or a message is escaped (`\u{1b}`), so output cannot move the cursor, clear
/// the screen or retitle the window. Newlines, tabs and, when `color` is on, meshdig's own
/// colour sequences (`ESC [ digits ; m`) are kept.
pub fn terminal_safe(text: &str, color: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
        out.push_str(&rest[..at]);
        let after = &rest[at + c.len_utf8()..];
        let kept = colour_sequence(after).filter(|_| color && c == '\u{1b}');
        match kept {
            Some(len) => out.push_str(&rest[at..=at + len]),
            None => out.extend(c.escape_debug()),
        }
        rest = &after[kept.unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// The length of an SGR colour sequence's tail (`[31m`, `[0m`, `[1;32m`) at the start of `text`.
fn colour_sequence(text: &str) -> Option<usize> {
    let body = text.strip_prefix('[')?;
    let params = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    body[params..].starts_with('m').then_some(params + 2)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn only_newlines_tabs_and_own_colours_reach_the_terminal() {
        let hostile = "a\u{1b}[2Jb\rc\u{7}\td\n\u{1b}[31mred\u{1b}[0m\u{9b}";
        assert_eq!(
            terminal_safe(hostile, false),
            "a\\u{1b}[2Jb\\rc\\u{7}\td\n\\u{1b}[31mred\\u{1b}[0m\\u{9b}"
        );
        assert_eq!(
            terminal_safe(hostile, true),
            "a\\u{1b}[2Jb\\rc\\u{7}\td\n\u{1b}[31mred\u{1b}[0m\\u{9b}"
        );
    }
}
