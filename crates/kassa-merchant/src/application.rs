//! A merchant's onboarding application (入网), its documents, and the
//! automatic admission checks an analyst sees before deciding.

use serde::{Deserialize, Serialize};

use crate::identity::{FieldError, check_id_number, check_mcc, check_name, check_phone, parse_card};

/// What a merchant applies with. The card number is only held here until the
/// service seals it; everything that leaves shows it masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub legal_name: String,
    pub id_number: String,
    pub phone: String,
    pub business_name: String,
    pub address: String,
    pub mcc: String,
    /// The settlement card, in the legal person's (or the business's) name.
    pub card_number: String,
    pub card_holder: String,
}

pub const ADDRESS_MAX: usize = 200;
pub const NAME_MAX: usize = 50;

impl Application {
    /// Every field's own check, then the rule that the settlement card is in
    /// the applicant's name or the business's.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_name("legal_name", &self.legal_name, NAME_MAX)?;
        check_id_number(&self.id_number)?;
        check_phone(&self.phone)?;
        check_name("business_name", &self.business_name, NAME_MAX)?;
        check_name("address", &self.address, ADDRESS_MAX)?;
        check_mcc(&self.mcc)?;
        parse_card("card_number", &self.card_number)?;
        if !holder_matches(&self.card_holder, &self.legal_name, &self.business_name) {
            return Err(FieldError::new(
                "card_holder",
                "the settlement card must be in the legal person's name or the business's",
            ));
        }
        Ok(())
    }
}

/// Whether a card's holder is the merchant: the legal person or the business.
pub fn holder_matches(holder: &str, legal_name: &str, business_name: &str) -> bool {
    let holder = holder.trim();
    holder == legal_name.trim() || holder == business_name.trim()
}

/// The documents an application or a cancellation carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    IdFront,
    IdBack,
    BusinessLicence,
    /// Proof of the real-name bank account.
    BankProof,
    /// The signed authorization letter of a cancellation.
    AuthorizationLetter,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::IdFront,
        DocumentKind::IdBack,
        DocumentKind::BusinessLicence,
        DocumentKind::BankProof,
        DocumentKind::AuthorizationLetter,
    ];
    /// What an onboarding application needs.
    pub const ONBOARDING: [DocumentKind; 3] =
        [DocumentKind::IdFront, DocumentKind::IdBack, DocumentKind::BusinessLicence];
    /// What a cancellation needs.
    pub const CANCELLATION: [DocumentKind; 4] =
        [DocumentKind::IdFront, DocumentKind::IdBack, DocumentKind::BankProof, DocumentKind::AuthorizationLetter];

    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::IdFront => "id_front",
            DocumentKind::IdBack => "id_back",
            DocumentKind::BusinessLicence => "business_licence",
            DocumentKind::BankProof => "bank_proof",
            DocumentKind::AuthorizationLetter => "authorization_letter",
        }
    }

    pub fn from_code(code: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Largest document accepted.
pub const DOCUMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Smallest: anything less is not a scan.
pub const DOCUMENT_MIN_BYTES: usize = 64;

/// The content type of an uploaded document, judged by its first bytes (the
/// name and the declared type are not trusted): JPEG, PNG or PDF.
pub fn document_type(bytes: &[u8]) -> Result<&'static str, FieldError> {
    if bytes.len() > DOCUMENT_MAX_BYTES {
        return Err(FieldError::new("document", format!("larger than {} MiB", DOCUMENT_MAX_BYTES / 1024 / 1024)));
    }
    if bytes.len() < DOCUMENT_MIN_BYTES {
        return Err(FieldError::new("document", format!("smaller than {DOCUMENT_MIN_BYTES} bytes")));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else {
        Err(FieldError::new("document", "must be a JPEG, PNG or PDF file"))
    }
}

/// What the service looked up about an application.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdmissionFacts {
    /// Merchants (or open applications) that already use the same ID number.
    pub same_identity: Vec<String>,
    /// Merchants that already use the same phone number.
    pub same_phone: Vec<String>,
    /// Which block lists the applicant is on (`id_number`, `phone`, `card`).
    pub blocked: Vec<String>,
    /// Whether the category is on the high-risk list.
    pub high_risk_category: bool,
}

/// One automatic check, as the analyst sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdmissionCheck {
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

/// An admission rule of the risk engine and whether it hit the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionRule {
    pub id: String,
    pub description: String,
    pub hit: bool,
}

/// The automatic checks: one per admission rule of the active ruleset, in its
/// order, named after the rule (`duplicate-identity` → `duplicate_identity`),
/// with what the facts say. They inform the analyst's decision; they do not decide.
pub fn admission_checks(facts: &AdmissionFacts, rules: &[AdmissionRule]) -> Vec<AdmissionCheck> {
    let listed = |what: &[String]| if what.is_empty() { "none".to_string() } else { what.join(", ") };
    rules
        .iter()
        .map(|rule| {
            let check = rule.id.replace('-', "_");
            let detail = match check.as_str() {
                "duplicate_identity" => {
                    format!("other merchants with this ID number: {}", listed(&facts.same_identity))
                }
                "duplicate_phone" => format!("other merchants with this phone: {}", listed(&facts.same_phone)),
                "block_list" => format!("on block lists: {}", listed(&facts.blocked)),
                "high_risk_category" if facts.high_risk_category => {
                    "the category is high-risk: ask for more evidence".into()
                }
                "high_risk_category" => "the category is not on the high-risk list".into(),
                _ => rule.description.clone(),
            };
            AdmissionCheck { check, passed: !rule.hit, detail }
        })
        .collect()
}

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// Awaiting documents or the analyst.
    Submitted,
    Approved,
    Rejected,
}

impl ApplicationState {
    pub fn code(self) -> &'static str {
        match self {
            ApplicationState::Submitted => "submitted",
            ApplicationState::Approved => "approved",
            ApplicationState::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<ApplicationState> {
        [ApplicationState::Submitted, ApplicationState::Approved, ApplicationState::Rejected]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// The merchant number an approval issues: `898` + a 12-digit sequence, 15
/// characters like field 42.
pub fn merchant_number(sequence: u64) -> String {
    format!("898{:012}", sequence % 1_000_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn application() -> Application {
        Application {
            legal_name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
            business_name: "张三便利店".into(),
            address: "北京市朝阳区建国路1号".into(),
            mcc: "5411".into(),
            card_number: "6222020200112233446".into(),
            card_holder: "张三".into(),
        }
    }

    #[test]
    fn a_good_application_passes_and_each_field_is_checked() {
        assert_eq!(application().validate(), Ok(()));
        let company_card = Application { card_holder: "张三便利店".into(), ..application() };
        assert_eq!(company_card.validate(), Ok(()));
        let someone_else = Application { card_holder: "李四".into(), ..application() };
        assert_eq!(someone_else.validate().map_err(|e| e.field), Err("card_holder"));
        let bad_id = Application { id_number: "110105194912310021".into(), ..application() };
        assert_eq!(bad_id.validate().map_err(|e| e.field), Err("id_number"));
        let bad_mcc = Application { mcc: "54".into(), ..application() };
        assert_eq!(bad_mcc.validate().map_err(|e| e.field), Err("mcc"));
    }

    #[test]
    fn documents_are_judged_by_content() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.resize(100, 0);
        assert_eq!(document_type(&png), Ok("image/png"));
        let mut text = b"hello".to_vec();
        text.resize(100, b' ');
        assert!(document_type(&text).is_err());
        assert!(document_type(b"%PDF-").is_err(), "too small");
        let mut big = b"%PDF-".to_vec();
        big.resize(DOCUMENT_MAX_BYTES + 1, 0);
        assert!(document_type(&big).is_err());
    }

    #[test]
    fn checks_report_each_finding() {
        let rule = |id: &str, hit: bool| AdmissionRule { id: id.into(), description: format!("{id}?"), hit };
        let facts = AdmissionFacts {
            same_identity: vec!["898000000000001".into()],
            blocked: vec!["phone".into()],
            high_risk_category: true,
            ..AdmissionFacts::default()
        };
        let rules = [
            rule("duplicate-identity", true),
            rule("duplicate-phone", false),
            rule("block-list", true),
            rule("custom-check", true),
        ];
        let checks = admission_checks(&facts, &rules);
        let failed: Vec<_> = checks.iter().filter(|c| !c.passed).map(|c| c.check.as_str()).collect();
        assert_eq!(failed, ["duplicate_identity", "block_list", "custom_check"]);
        assert_eq!(checks[0].detail, "other merchants with this ID number: 898000000000001");
        assert_eq!(checks[3].detail, "custom-check?", "a rule the module does not know shows its description");
        assert_eq!(merchant_number(7), "898000000000007");
    }
}
