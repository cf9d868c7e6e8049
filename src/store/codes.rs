//! The domain's enums as the store reads them: each is a text column, parsed here once
//! into its enum when a row is read. A value this build does not know is an error
//! (`StoreError::Corrupt`, naming the column and the value), never a default. Also the SQL
//! lists (`list_of`) that statements build from the domain's sets of values, such as
//! `TipStatus::OPEN`.

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Decode, Type};

use crate::crypto::blind::Field;
use crate::domain::lifecycle::Step;
use crate::domain::reward::{Outcome, RewardStatus};
use crate::domain::tip::Cleaning;
use crate::domain::{AccidentGrade, Channel, DeadlineStep, EventKind, Kind, Role, TipStatus};

/// A text column held a value its enum has no variant for.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} is not a {what}")]
pub struct Unknown {
    /// The enum the column holds.
    pub what: &'static str,
    pub value: String,
}

macro_rules! text_column {
    ($($name:ty => $what:literal,)*) => {$(
        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <str as Type<Any>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<'r, Any>>::decode(value)?;
                <$name>::parse(text).ok_or_else(|| Unknown { what: $what, value: text.to_owned() }.into())
            }
        }
    )*};
}

text_column! {
    TipStatus => "tip status",
    Channel => "channel",
    Kind => "kind",
    Outcome => "outcome",
    AccidentGrade => "accident grade",
    RewardStatus => "reward status",
    Step => "proposal step",
    EventKind => "event kind",
    DeadlineStep => "deadline step",
    Cleaning => "evidence cleaning",
    Field => "blind index field",
    Role => "role",
}

/// The texts of some values of an enum as an SQL list for `IN`: `('a', 'b')`. Only the
/// enum's own texts (`as_str`) go in, never input.
pub(super) fn list_of(texts: impl IntoIterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = texts.into_iter().map(|t| format!("'{t}'")).collect();
    format!("({})", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError, tips, workflow};
    use crate::configuration::DatabaseUrl;
    use crate::domain::{Channel, Kind, TipStatus};

    /// A store on a new SQLite file, and a tip row written by hand with the given texts.
    async fn store_with_tip(dir: &std::path::Path, kind: &str, status: &str) -> Result<Store, StoreError> {
        let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.join("codes.db"))).await?;
        store.migrate().await?;
        let mut conn = store.conn().await?;
        // No departments, categories or districts exist here: the row stands alone.
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO tips (id, reference, kind, category_code, district_code, channel, status, department_code, \
             received_at, public_key, receipt_kdf, receipt_salt, receipt_verifier, reporter_key_wrap, body) \
             VALUES ('t1', 'R1', $1, 'c', 'd', 'web', $2, 'dep', 0, 'k', 'kdf', x'', x'', x'', x'')",
        )
        .bind(kind)
        .bind(status)
        .execute(&mut *conn)
        .await?;
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
        Ok(store)
    }

    #[test]
    fn lists_for_in_are_quoted_and_parenthesised() {
        let open = super::list_of(TipStatus::OPEN.iter().map(|s| s.as_str()));
        assert_eq!(open, "('received', 'accepted', 'verifying', 'under_review')");
    }

    #[tokio::test]
    async fn known_texts_read_as_their_enums() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|source| StoreError::Directory { path: "temp".into(), source })?;
        let store = store_with_tip(dir.path(), "violation", "verifying").await?;
        let mut conn = store.conn().await?;
        let tip = tips::by_id(&mut conn, "t1").await?.expect("the tip");
        assert_eq!((tip.kind, tip.channel, tip.status), (Kind::Violation, Channel::Web, TipStatus::Verifying));
        let w = workflow::workflow(&mut conn, "t1").await?.expect("its workflow");
        assert_eq!((w.status, w.outcome, w.accident_grade), (TipStatus::Verifying, None, None));
        Ok(())
    }

    #[tokio::test]
    async fn an_unknown_status_or_kind_is_an_error_not_a_default() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|source| StoreError::Directory { path: "temp".into(), source })?;
        let store = store_with_tip(dir.path(), "hazard", "lost").await?;
        let mut conn = store.conn().await?;
        match tips::by_id(&mut conn, "t1").await {
            Err(StoreError::Corrupt { column, what: "kind", value }) => {
                assert_eq!((column.as_str(), value.as_str()), ("kind", "hazard"))
            }
            other => panic!("expected the kind to be refused, got {other:?}"),
        }
        match workflow::workflow(&mut conn, "t1").await {
            Err(StoreError::Corrupt { column, what: "tip status", value }) => {
                assert_eq!((column.as_str(), value.as_str()), ("status", "lost"));
            }
            other => panic!("expected the status to be refused, got {other:?}"),
        }
        sqlx::query("UPDATE tips SET status = 'concluded', outcome = 'maybe' WHERE id = 't1'")
            .execute(&mut *conn)
            .await?;
        match workflow::workflow(&mut conn, "t1").await {
            Err(StoreError::Corrupt { what: "outcome", value, .. }) => assert_eq!(value, "maybe"),
            other => panic!("expected the outcome to be refused, got {other:?}"),
        }
        Ok(())
    }
}
