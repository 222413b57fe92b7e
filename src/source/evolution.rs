//! Tables whose schema evolved: files of one table that differ by added or dropped columns, or
//! by a type a later writer widened, read as one dataset with the union of their columns by
//! name (as DuckDB's `union_by_name` and Spark's `mergeSchema` read them).
//!
//! Invariant: only a real conflict leaves a file out. Integer widths, integer to float,
//! float32 to float64, date to timestamp, dictionary to its values and the string and binary
//! layouts unify to the wider type; anything else under one name (text in one file, a
//! timestamp in another) is a [`TypeConflict`] naming the column, both types and a file on each
//! side. A column a file does not have is *absent* from that file's rows: read as NULL by the
//! engine, counted apart from the NULLs the data holds.

use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};

/// What a file did to the table's columns, against the files before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The column appears for the first time.
    Added,
    /// A column earlier files had is not in this file (nor in any later one, or it comes back
    /// later as `added`).
    Dropped,
    /// The column's type is wider than before (`int32` to `int64`, ...).
    Widened,
    /// The column's type is narrower than before: the table's type stays the wider one.
    Narrowed,
}

/// A column that two files give types no engine unifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeConflict {
    pub column: String,
    pub table_type: DataType,
    pub file_type: DataType,
}

impl std::fmt::Display for TypeConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column `{}` is {} in this file but {} in the dataset",
            self.column,
            type_name(&self.file_type),
            type_name(&self.table_type)
        )
    }
}

/// A type as the report names it (dictionaries and string layouts by their values).
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => "Utf8".to_string(),
        DataType::BinaryView | DataType::LargeBinary => "Binary".to_string(),
        DataType::Dictionary(_, value) => type_name(value),
        other => other.to_string(),
    }
}

/// The type both `a` and `b` are read as, when they unify (`a` first: its layout is kept for
/// equal types).
pub fn widened(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Dictionary(_, value), other) | (other, Dictionary(_, value)) => {
            widened(value, other).or_else(|| widened(other, value))
        }
        (Null, other) | (other, Null) => Some(other.clone()),
        (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8 | Utf8View) => Some(widest_text(a, b)),
        (Binary | LargeBinary | BinaryView, Binary | LargeBinary | BinaryView) => {
            Some(if a == &LargeBinary || b == &LargeBinary {
                LargeBinary
            } else {
                a.clone()
            })
        }
        _ if a.is_integer() && b.is_integer() => integer_union(a, b),
        (Float32 | Float64 | Float16, Float32 | Float64 | Float16) => Some(Float64),
        _ if (a.is_integer() && b.is_floating()) || (a.is_floating() && b.is_integer()) => {
            Some(Float64)
        }
        (Date32 | Date64, Timestamp(unit, zone)) | (Timestamp(unit, zone), Date32 | Date64) => {
            Some(Timestamp(*unit, zone.clone()))
        }
        (Date32, Date64) | (Date64, Date32) => Some(Date64),
        (Timestamp(unit_a, zone_a), Timestamp(unit_b, zone_b))
            if zone_a.is_some() == zone_b.is_some() =>
        {
            Some(Timestamp(finer(*unit_a, *unit_b), zone_a.clone()))
        }
        (Decimal128(pa, sa), Decimal128(pb, sb)) => {
            let scale = (*sa).max(*sb);
            let integer = (*pa as i16 - *sa as i16).max(*pb as i16 - *sb as i16);
            let precision = (integer + scale as i16).clamp(1, 38) as u8;
            Some(Decimal128(precision, scale))
        }
        _ => None,
    }
}

fn widest_text(a: &DataType, b: &DataType) -> DataType {
    if a == &DataType::LargeUtf8 || b == &DataType::LargeUtf8 {
        DataType::LargeUtf8
    } else {
        a.clone()
    }
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    let rank = |unit: TimeUnit| match unit {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(a) >= rank(b) { a } else { b }
}

fn integer_union(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    let bits = |t: &DataType| match t {
        Int8 | UInt8 => 8,
        Int16 | UInt16 => 16,
        Int32 | UInt32 => 32,
        _ => 64,
    };
    let signed = |t: &DataType| t.is_signed_integer();
    let (sa, sb) = (signed(a), signed(b));
    let width = if sa == sb {
        bits(a).max(bits(b))
    } else {
        // An unsigned type needs one more bit as a signed one.
        let unsigned_bits = if sa { bits(b) } else { bits(a) };
        let signed_bits = if sa { bits(a) } else { bits(b) };
        (unsigned_bits * 2).max(signed_bits)
    };
    Some(match (sa || sb, width) {
        (true, 8) => Int8,
        (true, 16) => Int16,
        (true, 32) => Int32,
        (true, 64) => Int64,
        (false, 8) => UInt8,
        (false, 16) => UInt16,
        (false, 32) => UInt32,
        (false, 64) => UInt64,
        // Past 64 bits (u64 with a signed type) no integer holds both; a decimal of 20
        // digits does.
        (true, _) => Decimal128(20, 0),
        (false, _) => UInt64,
    })
}

/// Whether `wider` is strictly wider than `narrower` (`narrower` widens to it).
fn is_widening(narrower: &DataType, wider: &DataType) -> bool {
    type_name(narrower) != type_name(wider) && widened(narrower, wider).as_ref() == Some(wider)
}

/// The union of files' schemas, by column name, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Union {
    fields: Vec<Field>,
}

impl Union {
    /// Adds a file's schema, or says which column conflicts (the union is then unchanged).
    pub fn add(&mut self, schema: &Schema) -> Result<(), TypeConflict> {
        let mut merged = self.fields.clone();
        for field in schema.fields() {
            match merged.iter_mut().find(|known| known.name() == field.name()) {
                None => merged.push(field.as_ref().clone().with_nullable(true)),
                Some(known) => match widened(known.data_type(), field.data_type()) {
                    Some(data_type) => *known = known.clone().with_data_type(data_type),
                    None => {
                        return Err(TypeConflict {
                            column: field.name().clone(),
                            table_type: known.data_type().clone(),
                            file_type: field.data_type().clone(),
                        });
                    }
                },
            }
        }
        self.fields = merged;
        Ok(())
    }

    pub fn schema(&self) -> Schema {
        Schema::new(self.fields.clone())
    }
}

/// Whether files of these schemas are one table that evolved rather than different tables: a
/// set of columns every file has, making up at least half of each file's columns.
pub fn share_a_core(schemas: &[&Schema]) -> bool {
    let Some((first, rest)) = schemas.split_first() else {
        return false;
    };
    let core: Vec<&String> = first
        .fields()
        .iter()
        .map(|field| field.name())
        .filter(|name| {
            rest.iter()
                .all(|schema| schema.field_with_name(name).is_ok())
        })
        .collect();
    !core.is_empty()
        && schemas
            .iter()
            .all(|schema| core.len() * 2 >= schema.fields().len())
}

/// One change a file made to the table's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub column: String,
    pub kind: ChangeKind,
    /// The column's type before (for `widened`, `narrowed` and `dropped`).
    pub from_type: Option<String>,
    /// The column's type in this file (for `added`, `widened` and `narrowed`).
    pub to_type: Option<String>,
    /// Index of the file (in the order given) the change is seen in.
    pub file: usize,
}

/// The changes from each file to the next, in the order given (files sorted by path, so hive
/// partitions in their order).
pub fn history(schemas: &[&Schema]) -> Vec<Change> {
    let mut changes = Vec::new();
    let Some(first) = schemas.first() else {
        return changes;
    };
    // The columns as the latest files show them, and every column ever seen.
    let mut current: Vec<Field> = first.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (index, schema) in schemas.iter().enumerate().skip(1) {
        for field in schema.fields() {
            match current.iter().find(|known| known.name() == field.name()) {
                None => changes.push(Change {
                    column: field.name().clone(),
                    kind: ChangeKind::Added,
                    from_type: None,
                    to_type: Some(type_name(field.data_type())),
                    file: index,
                }),
                Some(known) if is_widening(known.data_type(), field.data_type()) => {
                    changes.push(Change {
                        column: field.name().clone(),
                        kind: ChangeKind::Widened,
                        from_type: Some(type_name(known.data_type())),
                        to_type: Some(type_name(field.data_type())),
                        file: index,
                    })
                }
                Some(known) if is_widening(field.data_type(), known.data_type()) => {
                    changes.push(Change {
                        column: field.name().clone(),
                        kind: ChangeKind::Narrowed,
                        from_type: Some(type_name(known.data_type())),
                        to_type: Some(type_name(field.data_type())),
                        file: index,
                    })
                }
                Some(_) => {}
            }
        }
        for known in &current {
            if schema.field_with_name(known.name()).is_err() {
                changes.push(Change {
                    column: known.name().clone(),
                    kind: ChangeKind::Dropped,
                    from_type: Some(type_name(known.data_type())),
                    to_type: None,
                    file: index,
                });
            }
        }
        current = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(
            fields
                .iter()
                .map(|(name, data_type)| Field::new(*name, data_type.clone(), true))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn types_widen_as_the_engines_widen_them_and_only_real_conflicts_remain() {
        use DataType::*;
        let cases = [
            (Int32, Int64, Some(Int64)),
            (Int8, UInt8, Some(Int16)),
            (UInt32, Int32, Some(Int64)),
            (Int64, Float32, Some(Float64)),
            (Float32, Float64, Some(Float64)),
            (
                Date32,
                Timestamp(TimeUnit::Microsecond, None),
                Some(Timestamp(TimeUnit::Microsecond, None)),
            ),
            (
                Dictionary(Box::new(Int32), Box::new(Utf8)),
                Utf8,
                Some(Utf8),
            ),
            (Utf8View, LargeUtf8, Some(LargeUtf8)),
            (Utf8, Timestamp(TimeUnit::Microsecond, None), None),
            (Boolean, Int32, None),
            (
                Timestamp(TimeUnit::Millisecond, None),
                Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC"))),
                None,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(widened(&a, &b), expected, "{a} with {b}");
            assert_eq!(
                widened(&b, &a).map(|t| type_name(&t)),
                expected.map(|t| type_name(&t)),
                "{b} with {a}"
            );
        }
    }

    #[test]
    fn a_union_adds_columns_by_name_and_names_a_conflict() {
        let mut union = Union::default();
        union
            .add(&schema(&[
                ("id", DataType::Int32),
                ("amount", DataType::Float64),
            ]))
            .unwrap();
        union
            .add(&schema(&[
                ("channel", DataType::Utf8),
                ("id", DataType::Int64),
                ("amount", DataType::Float64),
            ]))
            .unwrap();
        let names: Vec<_> = union
            .schema()
            .fields()
            .iter()
            .map(|f| format!("{}:{}", f.name(), f.data_type()))
            .collect();
        assert_eq!(names, ["id:Int64", "amount:Float64", "channel:Utf8"]);
        let conflict = union.add(&schema(&[("id", DataType::Utf8)])).unwrap_err();
        assert_eq!(
            conflict.to_string(),
            "column `id` is Utf8 in this file but Int64 in the dataset"
        );
        assert_eq!(union.schema().fields().len(), 3);
    }

    #[test]
    fn evolution_needs_a_shared_core_and_its_history_says_what_changed_where() {
        let month1 = schema(&[
            ("id", DataType::Int32),
            ("amount", DataType::Float64),
            ("ts", DataType::Date32),
        ]);
        let month3 = schema(&[
            ("id", DataType::Int64),
            ("amount", DataType::Float64),
            ("ts", DataType::Date32),
            ("channel", DataType::Utf8),
        ]);
        let month5 = schema(&[
            ("id", DataType::Int64),
            ("ts", DataType::Date32),
            ("channel", DataType::Utf8),
        ]);
        assert!(share_a_core(&[&month1, &month3, &month5]));
        let other_table = schema(&[("customer", DataType::Utf8), ("email", DataType::Utf8)]);
        assert!(!share_a_core(&[&month1, &other_table]));

        let changes = history(&[&month1, &month1, &month3, &month5]);
        let seen: Vec<_> = changes
            .iter()
            .map(|c| (c.column.as_str(), c.kind, c.file))
            .collect();
        assert_eq!(
            seen,
            [
                ("id", ChangeKind::Widened, 2),
                ("channel", ChangeKind::Added, 2),
                ("amount", ChangeKind::Dropped, 3),
            ]
        );
        assert_eq!(changes[0].from_type.as_deref(), Some("Int32"));
        assert_eq!(changes[0].to_type.as_deref(), Some("Int64"));
    }
}
