//! Operations staff and what each role may do.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Operations,
    Risk,
    Support,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See merchants, applications and their status.
    ViewMerchants,
    /// Approve or reject onboarding applications.
    ReviewApplications,
    /// Freeze or unfreeze a merchant.
    FreezeMerchants,
    /// Terminal inventory: add, assign, see check values.
    ManageTerminals,
    /// Record the phone confirmation and decide a cancellation.
    ReviewCancellations,
    /// Open a cancellation on a merchant's behalf.
    OpenCancellations,
    ViewAuditLog,
    /// The SMS outbox, with one-time and activation codes masked.
    ViewSmsOutbox,
    /// The outbox's codes in clear: the admin's, and only where the
    /// deployment allows it (the demo, which has no real phones).
    RevealSmsCodes,
    /// Change a merchant's registered name, category or location.
    EditMerchants,
    /// Work risk cases: claim, note, propose and approve actions (a
    /// different operator approves), close, and make overrides.
    WorkCases,
    ManageStaff,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] = [StaffRole::Admin, StaffRole::Operations, StaffRole::Risk, StaffRole::Support];

    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Operations => "operations",
            StaffRole::Risk => "risk",
            StaffRole::Support => "support",
        }
    }

    pub fn from_code(code: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The role's permissions: admission and freezing are risk's, terminals
    /// and cancellations operations', support reads and opens cases for
    /// merchants who phone in; the admin may do everything.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            StaffRole::Admin => true,
            StaffRole::Risk => {
                matches!(permission, ViewMerchants | ReviewApplications | FreezeMerchants | ViewAuditLog | WorkCases)
            }
            StaffRole::Operations => matches!(
                permission,
                ViewMerchants
                    | ManageTerminals
                    | ReviewCancellations
                    | OpenCancellations
                    | ViewSmsOutbox
                    | EditMerchants
            ),
            StaffRole::Support => matches!(permission, ViewMerchants | OpenCancellations | ViewSmsOutbox),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_limit_what_staff_may_do() {
        assert!(StaffRole::Risk.allows(Permission::ReviewApplications));
        assert!(!StaffRole::Support.allows(Permission::ReviewApplications));
        assert!(!StaffRole::Risk.allows(Permission::ManageTerminals));
        assert!(StaffRole::Operations.allows(Permission::ReviewCancellations));
        assert!(!StaffRole::Operations.allows(Permission::ManageStaff));
        assert!(StaffRole::Admin.allows(Permission::ManageStaff));
        assert!(StaffRole::Admin.allows(Permission::RevealSmsCodes));
        assert!(!StaffRole::Operations.allows(Permission::RevealSmsCodes));
        assert!(!StaffRole::Support.allows(Permission::RevealSmsCodes));
        assert_eq!(StaffRole::from_code("risk"), Some(StaffRole::Risk));
    }
}
