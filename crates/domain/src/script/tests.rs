//! Tests for scripts: the vocabulary, rendering each name in its own place, and reading old tokens.

use super::*;

fn cast() -> Cast<'static> {
    Cast {
        customer_name: "Mrs. Priya Natarajan",
        preferred_name: None,
        me: "Fiona Walsh",
        owner: "Maria Lopez",
        provider: Some("Dr Ines Ruiz"),
        business: "Harbour Dental",
        business_phone: Some("02 9000 1234"),
        table: None,
        visit_time: Some("Saturday 5 December, 2:30 pm"),
        party_size: None,
        greeting_fallback: "there",
    }
}

#[test]
fn each_name_lands_in_its_own_place() {
    let r = render(
        "Hello {customer_first_name}, it's {me} from {business}. {provider} will see you; {owner} will ring you. Call {business_phone}.",
        &cast(),
    );
    assert_eq!(
        r.text,
        "Hello Priya, it's Fiona from Harbour Dental. Dr Ines Ruiz will see you; Maria will ring you. Call 02 9000 1234."
    );
    assert!(r.blanks.is_empty());
}

#[test]
fn preferred_name_wins_and_a_missing_name_falls_back() {
    let mut c = cast();
    c.preferred_name = Some("Pri");
    assert_eq!(render("Hi {customer_first_name},", &c).text, "Hi Pri,");
    c.preferred_name = None;
    c.customer_name = "Mr.";
    assert_eq!(render("Hi {customer_first_name},", &c).text, "Hi there,");
}

#[test]
fn what_the_case_does_not_know_is_a_blank() {
    let mut c = cast();
    c.provider = None;
    c.business_phone = Some("  ");
    let r = render("{provider} is sorry. Call {business_phone} on [day].", &c);
    assert_eq!(
        r.text,
        "[who looked after them] is sorry. Call [business phone] on [day]."
    );
    assert_eq!(
        r.blanks,
        vec!["[who looked after them]", "[business phone]", "[day]"]
    );
}

#[test]
fn unknown_placeholders_are_named_and_never_filled() {
    assert_eq!(
        unknown_placeholders("Hi {customer_first_name} {first_nam} {staff} {} {a{b}"),
        vec!["{first_nam}", "{}", "{b}"]
    );
    let r = render("Hi {frist_name}", &cast());
    assert_eq!(r.text, "Hi {frist_name}");
    assert_eq!(r.blanks, vec!["{frist_name}"]);
}

#[test]
fn old_tokens_are_read_as_the_person_they_meant() {
    assert_eq!(
        upgrade_legacy("Hello [Name], it's [Name] from [Practice]. Dr [Name] is sorry."),
        "Hello {customer_first_name}, it's {me} from {business}. {provider} is sorry."
    );
    assert_eq!(
        upgrade_legacy("My name is [Name]. Hi {first_name}, {staff} at [restaurant] [day]"),
        "My name is {me}. Hi {customer_first_name}, {me} at {business} [day]"
    );
    let r = render(
        "Hello [Name], it's [Name] from [Practice]. You deserve Dr [Name]'s full attention.",
        &cast(),
    );
    assert_eq!(
        r.text,
        "Hello Priya, it's Fiona from Harbour Dental. You deserve Dr Ines Ruiz's full attention."
    );
}

#[test]
fn old_tokens_are_warned_with_their_replacement() {
    let found = legacy_tokens("Hi [Name], {staff} from [Practice]");
    let tokens: Vec<&str> = found.iter().map(|t| t.token.as_str()).collect();
    assert_eq!(tokens, vec!["[Name]", "[Practice]", "{staff}"]);
    assert!(found[0].suggestion.contains("{customer_first_name}"));
    assert_eq!(found[1].suggestion, "{business}");
    assert!(legacy_tokens("Hi {customer_first_name} [what we found]").is_empty());
}
