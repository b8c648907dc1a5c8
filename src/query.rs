//! The question meshdig asks: a validated DNS name and record type, checked before any source is asked.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use hickory_proto::rr::{Name, RecordType};

use crate::error::{Error, Result};

/// The longest name in presentation form, without the trailing dot (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;
/// The longest label in bytes (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// A DNS name as the user typed it, validated and converted to its ASCII (IDNA) form.
///
/// `absolute` records whether the user wrote a trailing dot: a relative name is expanded
/// with the asking pod's search path, an absolute one is asked exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryName {
    /// Lower-cased ASCII labels, without the trailing dot.
    ascii: String,
    /// The name as typed when it contained non-ASCII characters.
    unicode: Option<String>,
    absolute: bool,
    /// The address when the user typed an IP: the name is then its reverse (`in-addr.arpa`/`ip6.arpa`).
    reverse_of: Option<IpAddr>,
}

impl QueryName {
    /// Validates `input` and returns the name, or a message that says what is wrong and how to fix it.
    pub fn parse(input: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidName {
            name: crate::error::quoted(input),
            reason,
        };
        if input.is_empty() {
            return Err(invalid("the name is empty; give a name such as reviews or reviews.bookinfo.svc.cluster.local".into()));
        }
        if input == "." {
            return Err(invalid(
                "the root name has no records meshdig can diff; give a service or host name".into(),
            ));
        }
        if let Ok(ip) = input.parse::<IpAddr>() {
            return Ok(Self::reverse(ip));
        }
        if looks_like_an_address(input) {
            return Err(invalid(
                "it looks like an IP address but is not one; give a valid IPv4 (10.96.0.10) or IPv6 (fd00::a) address for a reverse lookup".into(),
            ));
        }
        let absolute = input.ends_with('.');
        let body = input.strip_suffix('.').unwrap_or(input);
        let unicode = (!body.is_ascii()).then(|| body.to_string());
        let ascii = if body.is_ascii() {
            body.to_ascii_lowercase()
        } else {
            let name = Name::from_utf8(body).map_err(|e| {
                invalid(format!(
                    "it cannot be converted to ASCII with IDNA ({e}); check the spelling"
                ))
            })?;
            let ascii = name.to_ascii().trim_end_matches('.').to_string();
            // IDNA maps some characters away (zero-width ones) or to others (full-width letters);
            // an app's resolver sends the name as typed, so such a name is not the app's question.
            let back = Name::from_ascii(&ascii).map(|n| n.to_utf8());
            let back = back.as_deref().map(|b| b.trim_end_matches('.'));
            if back.ok() != Some(body.to_lowercase().as_str()) {
                return Err(invalid(format!(
                    "IDNA would turn it into '{}', dropping or replacing characters (zero-width or full-width ones, or a decomposed accent); an app's resolver sends the name as typed, so type it without them",
                    crate::error::quoted(back.unwrap_or(&ascii))
                )));
            }
            ascii
        };
        check_labels(&ascii).map_err(invalid)?;
        Ok(Self {
            ascii,
            unicode,
            absolute,
            reverse_of: None,
        })
    }

    /// The reverse-lookup name of `ip` (`34.12.96.10.in-addr.arpa`), asked exactly.
    pub fn reverse(ip: IpAddr) -> Self {
        let name = Name::from(ip).to_ascii();
        Self {
            ascii: name.trim_end_matches('.').to_string(),
            unicode: None,
            absolute: true,
            reverse_of: Some(ip),
        }
    }

    /// The record type asked when none is given: PTR for an address, A otherwise.
    pub fn default_type(&self) -> QueryType {
        QueryType(if self.reverse_of.is_some() {
            RecordType::PTR
        } else {
            RecordType::A
        })
    }

    /// The address this name is the reverse of, when the user typed an IP.
    pub fn reverse_of(&self) -> Option<IpAddr> {
        self.reverse_of
    }

    /// True when the user wrote a trailing dot.
    pub fn is_absolute(&self) -> bool {
        self.absolute
    }

    /// The number of dots in the name as typed, which a resolver compares with `ndots`.
    pub fn dots(&self) -> usize {
        self.ascii.matches('.').count()
    }

    /// The lower-case ASCII form without the trailing dot.
    pub fn ascii(&self) -> &str {
        &self.ascii
    }

    /// The Unicode form the user typed, if it differed from the ASCII form.
    pub fn unicode(&self) -> Option<&str> {
        self.unicode.as_deref()
    }

    /// The fully-qualified form with a trailing dot, as it goes on the wire.
    pub fn fqdn(&self) -> String {
        format!("{}.", self.ascii)
    }
}

/// True for text that was meant as an address: four all-digit labels, or hex groups with colons.
fn looks_like_an_address(input: &str) -> bool {
    let labels: Vec<&str> = input.trim_end_matches('.').split('.').collect();
    let dotted_quad = labels.len() == 4
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
    dotted_quad || input.contains(':')
}

/// Checks label and name lengths and the characters a DNS host or service label may hold.
fn check_labels(ascii: &str) -> std::result::Result<(), String> {
    if ascii.len() > MAX_NAME_LEN {
        return Err(format!(
            "it is {} characters long; a DNS name holds at most {MAX_NAME_LEN}",
            ascii.len()
        ));
    }
    for (index, label) in ascii.split('.').enumerate() {
        let position = index + 1;
        if label.is_empty() {
            return Err(format!(
                "label {position} is empty (two dots in a row, or a leading dot); remove the extra dot"
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(format!(
                "label {position} ('{}…') is {} bytes long; a DNS label holds at most {MAX_LABEL_LEN}",
                &label[..16],
                label.len()
            ));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '*'))
        {
            return Err(format!(
                "label {position} ('{}') contains {bad:?}; names hold letters, digits, '-' and '_' only",
                crate::error::quoted(label)
            ));
        }
        // The encoder (hickory's `Name::from_ascii`) refuses a label that starts with '-', so an
        // input it cannot send is refused here, as an input error.
        if label.starts_with('-') {
            return Err(format!(
                "label {position} ('{}') starts with '-'; a host name label starts with a letter or digit",
                crate::error::quoted(label)
            ));
        }
        if label.ends_with('-') {
            return Err(format!(
                "label {position} ('{}') ends with '-'; a host name label ends with a letter or digit",
                crate::error::quoted(label)
            ));
        }
        if label.contains('*') && label != "*" {
            return Err(format!(
                "label {position} ('{}') mixes '*' with other characters; a wildcard label is '*' alone",
                crate::error::quoted(label)
            ));
        }
    }
    Ok(())
}

/// Checks a cluster DNS domain (the kubelet's `--cluster-domain`, `cluster.domain` in a snapshot):
/// host-name labels of letters, digits and inner hyphens, a trailing dot allowed. Returns why not.
pub fn check_domain(domain: &str) -> std::result::Result<(), String> {
    let bare = domain.strip_suffix('.').unwrap_or(domain);
    if bare.is_empty() {
        return Err(
            "the cluster domain is empty; the kubelet's default is cluster.local".to_string(),
        );
    }
    check_labels(bare)?;
    match bare
        .split('.')
        .find(|l| l.ends_with('-') || l.contains(['_', '*']))
    {
        Some(label) => Err(format!(
            "label '{label}' is not a host name label (letters, digits and inner hyphens)"
        )),
        None => Ok(()),
    }
}

/// A record type, parsed case-insensitively from its mnemonic (`A`, `aaaa`, `SRV`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryType(pub RecordType);

impl FromStr for QueryType {
    type Err = Error;

    /// A type's name in any case, or its number as RFC 3597 writes it (`TYPE65`).
    fn from_str(s: &str) -> Result<Self> {
        let upper = s.to_ascii_uppercase();
        if let Some(number) = upper
            .strip_prefix("TYPE")
            .and_then(|n| n.parse::<u16>().ok())
        {
            return Ok(Self(RecordType::from(number)));
        }
        match RecordType::from_str(&upper) {
            Ok(RecordType::Unknown(_)) | Err(_) => Err(Error::UnknownType(crate::error::quoted(s))),
            Ok(rtype) => Ok(Self(rtype)),
        }
    }
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_service_and_srv_names() {
        let name = QueryName::parse("_http._tcp.Reviews.bookinfo.svc.cluster.local.").unwrap();
        assert_eq!(
            name.ascii(),
            "_http._tcp.reviews.bookinfo.svc.cluster.local"
        );
        assert!(name.is_absolute());
        assert_eq!(name.dots(), 6);
    }

    #[test]
    fn converts_unicode_with_idna() {
        let name = QueryName::parse("bücher.example").unwrap();
        assert_eq!(name.ascii(), "xn--bcher-kva.example");
        assert_eq!(name.unicode(), Some("bücher.example"));
        assert_eq!(
            QueryName::parse("Bücher.example").unwrap().ascii(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn rejects_each_malformed_name_with_a_reason() {
        for (input, needle) in [
            ("", "empty"),
            ("a..b", "label 2 is empty"),
            (".a", "label 1 is empty"),
            (&"x".repeat(64), "at most 63"),
            (&["a".repeat(60).as_str(); 5].join("."), "at most 253"),
            ("a b", "contains ' '"),
            ("a*.b", "wildcard"),
            ("re\u{200b}views", "IDNA would turn it into 'reviews'"),
            ("ｒｅｖｉｅｗｓ", "IDNA would turn it into 'reviews'"),
        ] {
            let err = QueryName::parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn an_address_means_its_reverse_name() {
        let v4 = QueryName::parse("10.96.12.34").unwrap();
        assert_eq!(v4.fqdn(), "34.12.96.10.in-addr.arpa.");
        assert_eq!(v4.reverse_of(), Some("10.96.12.34".parse().unwrap()));
        let v6 = QueryName::parse("fd00::1").unwrap();
        assert!(v6.fqdn().ends_with(".ip6.arpa.") && v6.fqdn().starts_with("1.0.0.0."));
        for bad in ["10.96.0.300", "fd00::zz", "10.1.2.3.4:53"] {
            assert!(QueryName::parse(bad).is_err(), "{bad}");
        }
        assert!(
            QueryName::parse("10.96.0").is_ok(),
            "three numeric labels are a name"
        );
    }

    #[test]
    fn parses_types_case_insensitively() {
        assert_eq!("aaaa".parse::<QueryType>().unwrap().to_string(), "AAAA");
        assert!("BOGUS".parse::<QueryType>().is_err());
    }
}
