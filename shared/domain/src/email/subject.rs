//! The `[#n]` ticket tag in subjects.

/// The ticket number a subject carries as `[#n]`, if any.
pub fn ticket_tag(subject: &str) -> Option<u64> {
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

/// The subject of an outgoing mail about ticket `number`: tagged once.
pub fn tagged(number: u64, subject: &str) -> String {
    if ticket_tag(subject) == Some(number) {
        subject.to_owned()
    } else {
        format!("[#{number}] {subject}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_wherever_they_sit() {
        assert_eq!(ticket_tag("Re: [#1042] Printer on fire"), Some(1042));
        assert_eq!(ticket_tag("AW: AW: Drucker [#7]"), Some(7));
        assert_eq!(ticket_tag("[#] nothing [#x1] [#12a] then [#3]"), Some(3));
        assert_eq!(ticket_tag("Printer #1042"), None);
        assert_eq!(tagged(5, "Printer"), "[#5] Printer");
        assert_eq!(tagged(5, "Re: [#5] Printer"), "Re: [#5] Printer");
    }
}
