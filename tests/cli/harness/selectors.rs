//! `labelSelector` and `fieldSelector` as the API server parses and applies them.

use serde_json::Value;

/// One label requirement.
#[derive(Debug, PartialEq)]
pub(crate) enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// Splits on commas outside parentheses.
fn split_top_level(selector: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    parts
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn set_values(rest: &str, part: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: found '{part}', expected: '('"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

/// Parses a label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`).
pub(crate) fn parse_labels(selector: &str) -> Result<Vec<LabelRequirement>, String> {
    let mut requirements = Vec::new();
    for part in split_top_level(selector) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let requirement = if let Some(key) = part.strip_prefix('!') {
            LabelRequirement::DoesNotExist(key.trim().to_string())
        } else if let Some((key, value)) = part.split_once("!=") {
            LabelRequirement::NotEquals(key.trim().to_string(), value.trim().to_string())
        } else if let Some((key, value)) = part.split_once("==") {
            LabelRequirement::Equals(key.trim().to_string(), value.trim().to_string())
        } else if let Some((key, value)) = part.split_once('=') {
            LabelRequirement::Equals(key.trim().to_string(), value.trim().to_string())
        } else if let Some((key, rest)) = part.split_once(" notin ") {
            LabelRequirement::NotIn(key.trim().to_string(), set_values(rest, part)?)
        } else if let Some((key, rest)) = part.split_once(" in ") {
            LabelRequirement::In(key.trim().to_string(), set_values(rest, part)?)
        } else {
            LabelRequirement::Exists(part.to_string())
        };
        let key = match &requirement {
            LabelRequirement::Equals(k, _)
            | LabelRequirement::NotEquals(k, _)
            | LabelRequirement::In(k, _)
            | LabelRequirement::NotIn(k, _)
            | LabelRequirement::Exists(k)
            | LabelRequirement::DoesNotExist(k) => k,
        };
        if !valid_key(key) {
            return Err(format!(
                "unable to parse requirement: invalid label key \"{key}\""
            ));
        }
        requirements.push(requirement);
    }
    Ok(requirements)
}

/// Whether `object`'s labels satisfy every requirement.
pub(crate) fn labels_match(requirements: &[LabelRequirement], object: &Value) -> bool {
    let labels = &object["metadata"]["labels"];
    let get = |key: &str| labels.get(key).and_then(Value::as_str);
    requirements.iter().all(|r| match r {
        LabelRequirement::Equals(k, v) => get(k) == Some(v.as_str()),
        LabelRequirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
        LabelRequirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        LabelRequirement::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        LabelRequirement::Exists(k) => get(k).is_some(),
        LabelRequirement::DoesNotExist(k) => get(k).is_none(),
    })
}

/// One field requirement: `field=value` or `field!=value`.
#[derive(Debug, PartialEq)]
pub(crate) struct FieldRequirement {
    field: String,
    value: String,
    negated: bool,
}

/// The fields the real API server supports for `kind`, beyond `metadata.name`/`metadata.namespace`.
fn supported_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Service" => &["spec.clusterIP", "spec.type"],
        "Namespace" => &["status.phase"],
        "ReplicaSet" => &["status.replicas"],
        _ => &[],
    }
}

/// Parses a field selector for objects of `kind`; unsupported fields are a 400 like the real server's.
pub(crate) fn parse_fields(selector: &str, kind: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut requirements = Vec::new();
    for part in selector.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (field, value, negated) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, true)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, v, false)
        } else {
            return Err(format!(
                "invalid selector: '{part}'; can't understand '{part}'"
            ));
        };
        let field = field.trim();
        if !["metadata.name", "metadata.namespace"].contains(&field)
            && !supported_fields(kind).contains(&field)
        {
            return Err(format!("field label not supported: {field}"));
        }
        requirements.push(FieldRequirement {
            field: field.to_string(),
            value: value.trim().to_string(),
            negated,
        });
    }
    Ok(requirements)
}

fn field_value(object: &Value, field: &str) -> String {
    let mut node = object;
    for step in field.split('.') {
        node = &node[step];
    }
    match node {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whether `object` satisfies every field requirement.
pub(crate) fn fields_match(requirements: &[FieldRequirement], object: &Value) -> bool {
    requirements
        .iter()
        .all(|r| (field_value(object, &r.field) == r.value) != r.negated)
}
