//! The one builder of dynamic SQL in `db/`: conditions added at run time with numbered
//! placeholders (`$1`, `$2`...) that both SQLite and PostgreSQL accept, and the values to bind
//! to them in order, so a statement binds exactly what it uses. Every list with optional
//! conditions (the public lists, the REST API, the admin's change lists) builds its `WHERE`
//! clause, `LIMIT` and `OFFSET` with it; values are always bound, never pasted into the SQL.

use chrono::{DateTime, Utc};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A timestamp (UTC).
    Time(DateTime<Utc>),
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
}

/// Binds a list of [`Value`]s in order onto a sqlx query of either backend:
/// `bind_values!(sqlx::query_scalar::<_, i64>(&sql), &w.values)`.
#[macro_export]
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                $crate::ssr::db::filter::Value::Time(t) => query.bind(*t),
                $crate::ssr::db::filter::Value::Int(i) => query.bind(*i),
                $crate::ssr::db::filter::Value::Text(s) => query.bind(s.as_str()),
                $crate::ssr::db::filter::Value::Bool(b) => query.bind(*b),
            };
        }
        query
    }};
}

/// Escapes LIKE's wildcards (`%`, `_`) and the escape character itself (queries say
/// `ESCAPE '\\'`).
pub fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `WHERE` clause under construction.
#[derive(Debug, Default, Clone)]
pub struct Where {
    /// The clause: empty, or ` WHERE a AND b...` (with a leading space).
    pub sql: String,
    /// The values of its placeholders, `$1` first.
    pub values: Vec<Value>,
}

impl Where {
    /// Adds `value` and returns its placeholder (`$n`) for use in a condition.
    pub fn push(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// Adds `condition` (SQL using placeholders from [`Where::push`]) with `AND`.
    pub fn and(&mut self, condition: &str) {
        self.sql.push_str(if self.sql.is_empty() {
            " WHERE "
        } else {
            " AND "
        });
        self.sql.push_str(condition);
    }

    /// Adds a condition that every word of `terms` appears (case-insensitive, as a substring)
    /// in at least one of `columns`: Django admin's `search_fields` with `icontains`. `LIKE`
    /// wildcards in the terms are escaped.
    pub fn search(&mut self, columns: &[&str], terms: &[String]) {
        for term in terms {
            let n = self.push(Value::Text(format!(
                "%{}%",
                escape_like(&term.to_lowercase())
            )));
            // LOWER() on both sides; SQLite's LOWER folds ASCII only, PostgreSQL's all of Unicode.
            let any: Vec<String> = columns
                .iter()
                .map(|column| format!("LOWER({column}) LIKE {n} ESCAPE '\\'"))
                .collect();
            self.and(&format!("({})", any.join(" OR ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_and_joins_conditions() {
        let mut w = Where::default();
        assert_eq!(w.sql, "");
        let n = w.push(Value::Int(3));
        w.and(&format!("a = {n}"));
        w.search(&["t", "b"], &["50%".to_string(), "X".to_string()]);
        assert_eq!(
            w.sql,
            " WHERE a = $1 AND (LOWER(t) LIKE $2 ESCAPE '\\' OR LOWER(b) LIKE $2 ESCAPE '\\') \
             AND (LOWER(t) LIKE $3 ESCAPE '\\' OR LOWER(b) LIKE $3 ESCAPE '\\')"
        );
        assert_eq!(w.values[1], Value::Text("%50\\%%".into()));
        assert_eq!(w.values[2], Value::Text("%x%".into()));
    }
}
