//! Keyset paging written once for SQLite and PostgreSQL: the `ORDER BY` of a sort key
//! and the condition "strictly after (or before) this row's key" in that order. A page
//! that starts after the key of the last row seen stays right whatever rows are added
//! or removed before it, which an offset does not.

use sea_orm::{DbBackend, Value};

use crate::sql::Sql;

/// One part of a sort key: a column or an expression over the row's columns.
#[derive(Clone, Debug)]
pub struct SortColumn {
    expression: String,
    /// Applied to the column and to the bound value alike (`LOWER({})`).
    function: Option<&'static str>,
    descending: bool,
    /// NULLs come after every value whatever the direction.
    nullable: bool,
    /// Text compared byte by byte on both databases (PostgreSQL's own collation may
    /// follow language rules, which SQLite and Rust do not).
    binary: bool,
}

impl SortColumn {
    /// Ascending, never NULL.
    pub fn new(expression: impl Into<String>) -> Self {
        SortColumn {
            expression: expression.into(),
            function: None,
            descending: false,
            nullable: false,
            binary: false,
        }
    }

    /// Text compared case-insensitively (ASCII) and byte by byte.
    pub fn lowercase(mut self) -> Self {
        self.function = Some("LOWER({})");
        self.binary = true;
        self
    }

    /// Text compared byte by byte.
    pub fn binary(mut self) -> Self {
        self.binary = true;
        self
    }

    pub fn descending(mut self, descending: bool) -> Self {
        self.descending = descending;
        self
    }

    /// May be NULL: such rows sort last.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    fn render(&self, backend: DbBackend, operand: &str) -> String {
        let text = match self.function {
            Some(function) => function.replace("{}", operand),
            None => operand.to_string(),
        };
        if self.binary {
            crate::sql::binary_order(backend, &text)
        } else {
            text
        }
    }

    /// Appends `column OP value` (the value bound).
    fn push_compare(&self, sql: &mut Sql, operator: &str, value: Value) {
        let backend = sql.backend();
        sql.push(&self.render(backend, &self.expression));
        sql.push(" ").push(operator).push(" ");
        let template = self.render(backend, "\u{0}");
        let (before, after) = template
            .split_once('\u{0}')
            .expect("the operand is in the template");
        sql.push(before).bind(value).push(after);
    }
}

/// Which rows a key bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Rows that come after the key in the sort order.
    After,
    /// Rows that come before it.
    Before,
}

/// A sort order; its last columns must make it unique (an id).
#[derive(Clone, Debug)]
pub struct SortKey(pub Vec<SortColumn>);

impl SortKey {
    /// `a, b DESC, …` (without `ORDER BY`); `reverse` flips every part, NULLs first then.
    pub fn order_by(&self, backend: DbBackend, reverse: bool) -> String {
        let mut parts = Vec::new();
        for column in &self.0 {
            let expression = column.render(backend, &column.expression);
            let direction = |descending: bool| if descending { " DESC" } else { "" };
            if column.nullable {
                parts.push(format!(
                    "({} IS NULL){}",
                    column.expression,
                    direction(reverse)
                ));
            }
            parts.push(format!(
                "{expression}{}",
                direction(column.descending != reverse)
            ));
        }
        parts.join(", ")
    }

    /// Appends a condition (in parentheses) true for the rows strictly on `side` of
    /// `key`, whose values are in the columns' order (`None` for NULL).
    pub fn push_condition(&self, sql: &mut Sql, key: &[Option<Value>], side: Side) {
        assert_eq!(key.len(), self.0.len(), "one value per sort column");
        // (c1 beyond v1) OR (c1 = v1 AND c2 beyond v2) OR …
        let mut alternatives = 0;
        sql.push("(");
        for (i, (column, value)) in self.0.iter().zip(key).enumerate() {
            let beyond = !(value.is_none() && side == Side::After && column.nullable);
            if beyond {
                if alternatives > 0 {
                    sql.push(" OR ");
                }
                alternatives += 1;
                sql.push("(");
                for (equal, value) in self.0[..i].iter().zip(key) {
                    push_equal(sql, equal, value.clone());
                    sql.push(" AND ");
                }
                push_beyond(sql, column, value.clone(), side);
                sql.push(")");
            }
        }
        if alternatives == 0 {
            sql.push("1 = 0");
        }
        sql.push(")");
    }
}

/// Which rows of each partition a page holds: those strictly between the keys (values
/// in the sort columns' order, `None` for NULL), the first `limit` of them in the sort
/// order, or the last `limit` when `backward`.
#[derive(Clone, Debug, Default)]
pub struct Window {
    pub after: Option<Vec<Option<Value>>>,
    pub before: Option<Vec<Option<Value>>>,
    pub limit: u64,
    pub backward: bool,
}

impl SortKey {
    /// Appends a statement answering one page per partition in one query: the rows of
    /// `base` (a SELECT that `push_base` appends, exposing the sort columns and
    /// `partition` as plain names) inside `window`, numbered in each `partition` by
    /// `ROW_NUMBER()` (SQLite ≥ 3.25 and PostgreSQL). Rows come ordered by partition,
    /// then in the window's direction (reversed for `backward`), with a `position`
    /// column; rows of any partition `base` lets through may come, so callers keep
    /// those they asked for.
    pub fn push_partitioned_page(
        &self,
        sql: &mut Sql,
        partition: &str,
        window: &Window,
        push_base: impl FnOnce(&mut Sql),
    ) {
        let order = self.order_by(sql.backend(), window.backward);
        sql.push(&format!(
            "SELECT * FROM (SELECT base.*, ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order}) AS position FROM ("
        ));
        push_base(sql);
        sql.push(") base WHERE 1 = 1");
        for (key, side) in [(&window.after, Side::After), (&window.before, Side::Before)] {
            if let Some(key) = key {
                sql.push(" AND ");
                self.push_condition(sql, key, side);
            }
        }
        sql.push(") ranked WHERE position <= ")
            .bind(window.limit as i64)
            .push(&format!(" ORDER BY {partition}, position"));
    }
}

fn push_equal(sql: &mut Sql, column: &SortColumn, value: Option<Value>) {
    match value {
        Some(value) => column.push_compare(sql, "=", value),
        None => {
            sql.push(&column.expression).push(" IS NULL");
        }
    }
}

/// The rows strictly beyond `value` in `column` alone, NULLs counting as last.
fn push_beyond(sql: &mut Sql, column: &SortColumn, value: Option<Value>, side: Side) {
    let greater = (side == Side::After) != column.descending;
    match value {
        // Beyond a value: the values on that side, and NULLs when that side is after…
        Some(value) => {
            if column.nullable && side == Side::After {
                sql.push("(");
            }
            column.push_compare(sql, if greater { ">" } else { "<" }, value);
            if column.nullable && side == Side::After {
                sql.push(" OR ").push(&column.expression).push(" IS NULL)");
            }
        }
        // … and every value comes before a NULL (After with NULL is never asked).
        None => {
            sql.push(&column.expression).push(" IS NOT NULL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(backend: DbBackend, key: &SortKey, values: &[Option<Value>], side: Side) -> String {
        let mut sql = Sql::new(backend);
        key.push_condition(&mut sql, values, side);
        sql.statement().to_string()
    }

    #[test]
    fn a_nullable_descending_key_puts_nulls_last_both_ways() {
        let key = SortKey(vec![
            SortColumn::new("pushed_at").descending(true).nullable(),
            SortColumn::new("id").descending(true),
        ]);
        assert_eq!(
            key.order_by(DbBackend::Sqlite, false),
            "(pushed_at IS NULL), pushed_at DESC, id DESC"
        );
        assert_eq!(
            key.order_by(DbBackend::Sqlite, true),
            "(pushed_at IS NULL) DESC, pushed_at, id"
        );
        let after_null = text(
            DbBackend::Sqlite,
            &key,
            &[None, Some("r1".into())],
            Side::After,
        );
        assert_eq!(after_null, "((pushed_at IS NULL AND id < 'r1'))");
        let before_null = text(
            DbBackend::Sqlite,
            &key,
            &[None, Some("r1".into())],
            Side::Before,
        );
        assert_eq!(
            before_null,
            "((pushed_at IS NOT NULL) OR (pushed_at IS NULL AND id > 'r1'))"
        );
    }

    #[test]
    fn lowercase_text_applies_to_both_sides_and_compares_bytes_on_postgres() {
        let key = SortKey(vec![
            SortColumn::new("name").lowercase(),
            SortColumn::new("id"),
        ]);
        assert_eq!(
            key.order_by(DbBackend::Postgres, false),
            "LOWER(name) COLLATE \"C\", id"
        );
        let after = text(
            DbBackend::Postgres,
            &key,
            &[Some("Web".into()), Some("r1".into())],
            Side::After,
        );
        assert_eq!(
            after,
            "((LOWER(name) COLLATE \"C\" > LOWER('Web') COLLATE \"C\") OR (LOWER(name) COLLATE \"C\" = LOWER('Web') COLLATE \"C\" AND id > 'r1'))"
        );
    }
}
