//! Statements written once for SQLite and PostgreSQL: placeholders and the few
//! expressions the two spell differently.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iden, IdenStatic, Iterable,
    PrimaryKeyToColumn, Statement, Value, sea_query::OnConflict,
};

/// SQL text with its bound values, in the backend's placeholder style.
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends `(p1, p2, …)` for a non-empty list.
    pub fn bind_list(&mut self, values: &[String]) -> &mut Self {
        self.text.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value.clone());
        }
        self.text.push(')');
        self
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// A sum that reads back as a 64-bit integer on both (PostgreSQL sums BIGINT to NUMERIC).
pub fn sum_bigint(expression: &str) -> String {
    format!("CAST(COALESCE(SUM({expression}), 0) AS BIGINT)")
}

/// An ordering by text that compares bytes, as Rust's `Ord` for strings does (SQLite's
/// default; a PostgreSQL database's collation may order by language rules instead).
pub fn binary_order(backend: DbBackend, expression: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("{expression} COLLATE \"C\""),
        _ => expression.to_string(),
    }
}

/// SQLite's default limit of bound parameters per statement (PostgreSQL allows more).
const MAX_PARAMETERS: usize = 32_766;

/// Inserts `rows`, updating every non-key column of those whose key exists, in as few
/// statements as the parameter limit allows.
pub async fn upsert<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    upsert_forward(db, rows, None).await
}

/// [`upsert`], but a row whose key exists is updated only where `forward` holds: SQL
/// over the stored row (the table's name) and the offered one (`excluded`), such as
/// `pull_requests.updated_at <= excluded.updated_at`. GitHub does not deliver webhooks
/// in order, and a redelivery or an import page fetched before a webhook may arrive
/// after it: the stored row only ever moves forward.
pub async fn upsert_forward<A>(
    db: &impl ConnectionTrait,
    mut rows: Vec<A>,
    forward: Option<&'static str>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let keys: Vec<_> = <A::Entity as EntityTrait>::PrimaryKey::iter()
        .map(|key| key.into_column())
        .collect();
    let key_names: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let others: Vec<_> = <A::Entity as EntityTrait>::Column::iter()
        .filter(|c| !key_names.contains(&c.as_str().to_string()))
        .collect();
    let per_statement =
        (MAX_PARAMETERS / <A::Entity as EntityTrait>::Column::iter().count()).max(1);
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(per_statement));
        <A::Entity as EntityTrait>::insert_many(std::mem::replace(&mut rows, rest))
            .on_conflict(
                OnConflict::columns(keys.clone())
                    .update_columns(others.clone())
                    .action_and_where_option(forward.map(sea_orm::sea_query::Expr::cust))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
