//! `readiness_row_hash(c1, c2, ...)`: a 126-bit fingerprint of a whole row, so exact duplicate
//! rows are counted by grouping on one fixed-width value instead of on every column.
//!
//! The row is first encoded injectively: per value a NULL marker, then a fixed-width value as
//! stored or a length and the bytes, so `(NULL, "a")` and `("a", NULL)`, or `("ab", "")` and
//! `("a", "b")`, never encode alike (nested columns go through arrow's row format, also
//! injective). The encoding is hashed with XXH3-128 and the top two bits dropped so it fits a
//! `Decimal128(38, 0)`, which DataFusion groups as a primitive. Rows are encoded a chunk at a
//! time, column by column, into one buffer that stays in cache. Two different rows collide with probability about 2^-126; among
//! `n` distinct rows the chance that any two collide is at most n^2 / 2^127: 6e-25 for
//! 10 million rows, 6e-21 for a billion. A collision could only make the duplicate count too
//! high by one.
//!
//! `readiness_distinct_fingerprints(h)` counts the distinct fingerprints exactly, as an aggregate
//! that can share a read with others: each partition collects its fingerprints and sorts them
//! when it hands them on (in parallel), and the final step merges the sorted runs. Sorting
//! beats a hash set here because ten million random 16-byte keys miss the cache on every
//! insert. It holds 16 bytes per row in memory, so the profile uses it only when that fits.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, Decimal128Array, GenericByteArray,
    GenericByteViewArray, LargeBinaryArray,
};
use datafusion::arrow::buffer::{Buffer, NullBuffer, ScalarBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    ByteArrayType, ByteViewType, DataType, Decimal128Type, Field, FieldRef,
};
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Expr, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use itertools::Itertools;

/// The fingerprint type: the widest primitive DataFusion groups on directly.
pub const HASH_TYPE: DataType = DataType::Decimal128(38, 0);
const KEEP_126_BITS: u128 = u128::MAX >> 2;

#[derive(Debug, PartialEq, Eq, Hash)]
struct RowHash {
    signature: Signature,
}

/// The fingerprint of the row made of `columns`.
pub fn row_hash(columns: Vec<Expr>) -> Expr {
    ScalarUDF::from(RowHash {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
    .call(columns)
}

impl ScalarUDFImpl for RowHash {
    fn name(&self) -> &str {
        "readiness_row_hash"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(HASH_TYPE)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = args
            .args
            .into_iter()
            .map(|value| value.into_array(rows))
            .collect::<DfResult<Vec<_>>>()?;
        Ok(ColumnarValue::Array(Arc::new(hash_rows(&arrays, rows)?)))
    }
}

/// Rows encoded and hashed at a time: their bytes stay in the core's cache.
const CHUNK: usize = 1024;

/// A row's encoding: first its fixed-width values, each a marker byte (1 present, 0 NULL)
/// and the value as stored (zeros for NULL), all at the same place in every row; then its
/// other values, each a NULL marker byte and, when present, a 4-byte length and the bytes.
/// Each value's code is prefix-free within its column, so a row's concatenation of them is
/// injective.
struct FixedColumn {
    /// 1 to 32 bytes (integers, floats, decimals, dates, times, booleans as one byte, ...).
    width: usize,
    values: Buffer,
    nulls: Option<NullBuffer>,
}

enum Encoding {
    Bytes(BinaryArray),
    LargeBytes(LargeBinaryArray),
    Views(BinaryViewArray),
    /// Anything else (nested, fixed-size binary, NULL-typed): arrow's row format, which
    /// encodes NULLs itself, as bytes.
    Rows(Rows),
}

impl Encoding {
    /// Each row's encoded length of this column in rows `start..start + lengths.len()`,
    /// added to `lengths`.
    fn add_lengths(&self, start: usize, lengths: &mut [usize]) {
        match self {
            Encoding::Bytes(array) => add_byte_lengths(lengths, bytes_of(array, start)),
            Encoding::LargeBytes(array) => add_byte_lengths(lengths, bytes_of(array, start)),
            Encoding::Views(array) => add_byte_lengths(lengths, view_bytes_of(array, start)),
            Encoding::Rows(rows) => {
                add_byte_lengths(lengths, |row| Some(rows.row(start + row).data()))
            }
        }
    }

    /// Writes this column's values of rows `start..start + cursors.len()` at each row's
    /// cursor in `buffer`, moving the cursors past them.
    fn write(&self, start: usize, buffer: &mut [u8], cursors: &mut [usize]) {
        match self {
            Encoding::Bytes(array) => write_bytes(buffer, cursors, bytes_of(array, start)),
            Encoding::LargeBytes(array) => write_bytes(buffer, cursors, bytes_of(array, start)),
            Encoding::Views(array) => write_bytes(buffer, cursors, view_bytes_of(array, start)),
            Encoding::Rows(rows) => {
                write_bytes(buffer, cursors, |row| Some(rows.row(start + row).data()))
            }
        }
    }
}

impl FixedColumn {
    /// Writes this column's values of rows `start..start + rows.len()` at `offset` past each
    /// row's start in `buffer`.
    fn write(&self, start: usize, buffer: &mut [u8], rows: &[usize], offset: usize) {
        let (values, nulls) = (self.values.as_slice(), self.nulls.as_ref());
        match self.width {
            1 => write_fixed::<1>(values, nulls, start, buffer, rows, offset),
            2 => write_fixed::<2>(values, nulls, start, buffer, rows, offset),
            4 => write_fixed::<4>(values, nulls, start, buffer, rows, offset),
            8 => write_fixed::<8>(values, nulls, start, buffer, rows, offset),
            16 => write_fixed::<16>(values, nulls, start, buffer, rows, offset),
            _ => write_fixed::<32>(values, nulls, start, buffer, rows, offset),
        }
    }
}

/// Fixed-width values, `W` bytes each, copied as a constant-size move; a NULL is a zero
/// marker and `W` zero bytes.
fn write_fixed<const W: usize>(
    values: &[u8],
    nulls: Option<&NullBuffer>,
    start: usize,
    buffer: &mut [u8],
    rows: &[usize],
    offset: usize,
) {
    let (values, _) = values[W * start..].as_chunks::<W>();
    for ((row, &row_start), value) in rows.iter().enumerate().zip(values) {
        let at = row_start + offset;
        if nulls.is_none_or(|n| n.is_valid(start + row)) {
            buffer[at] = 1;
            buffer[at + 1..at + 1 + W].copy_from_slice(value);
        } else {
            buffer[at] = 0;
            buffer[at + 1..at + 1 + W].copy_from_slice(&[0; W]);
        }
    }
}

/// The values of a byte array from row `start` on, `None` for NULL.
fn bytes_of<'a, T: ByteArrayType>(
    array: &'a GenericByteArray<T>,
    start: usize,
) -> impl Fn(usize) -> Option<&'a [u8]> {
    move |row| {
        let row = start + row;
        array.is_valid(row).then(|| array.value(row).as_ref())
    }
}

/// The values of a byte view array from row `start` on, `None` for NULL.
fn view_bytes_of<'a, T: ByteViewType + ?Sized>(
    array: &'a GenericByteViewArray<T>,
    start: usize,
) -> impl Fn(usize) -> Option<&'a [u8]> {
    move |row| {
        let row = start + row;
        array.is_valid(row).then(|| array.value(row).as_ref())
    }
}

fn add_byte_lengths<'v>(lengths: &mut [usize], value: impl Fn(usize) -> Option<&'v [u8]>) {
    for (row, length) in lengths.iter_mut().enumerate() {
        *length += value(row).map_or(1, |bytes| 5 + bytes.len());
    }
}

fn write_bytes<'v>(
    buffer: &mut [u8],
    cursors: &mut [usize],
    value: impl Fn(usize) -> Option<&'v [u8]>,
) {
    for (row, cursor) in cursors.iter_mut().enumerate() {
        let at = *cursor;
        match value(row) {
            None => {
                buffer[at] = 0;
                *cursor = at + 1;
            }
            Some(bytes) => {
                let end = at + 5 + bytes.len();
                buffer[at] = 1;
                buffer[at + 1..at + 5].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
                buffer[at + 5..end].copy_from_slice(bytes);
                *cursor = end;
            }
        }
    }
}

/// How each of `arrays` is encoded: the fixed-width columns, then the others (columns arrow's
/// row format must take are encoded together, last).
fn encodings(arrays: &[ArrayRef]) -> DfResult<(Vec<FixedColumn>, Vec<Encoding>)> {
    let mut fixed = Vec::new();
    let mut encodings = Vec::with_capacity(arrays.len());
    let mut others = Vec::new();
    for array in arrays {
        let array = match array.data_type() {
            DataType::Dictionary(_, value) => cast(array, value)?,
            _ => array.clone(),
        };
        let data_type = array.data_type();
        let encoding = match data_type {
            DataType::Boolean => {
                let booleans = array.as_boolean();
                fixed.push(FixedColumn {
                    width: 1,
                    values: booleans.values().iter().map(u8::from).collect(),
                    nulls: booleans.nulls().cloned(),
                });
                continue;
            }
            DataType::Utf8 => Encoding::Bytes(array.as_string::<i32>().clone().into()),
            DataType::LargeUtf8 => Encoding::LargeBytes(array.as_string::<i64>().clone().into()),
            DataType::Utf8View => Encoding::Views(array.as_string_view().clone().to_binary_view()),
            DataType::Binary => Encoding::Bytes(array.as_binary::<i32>().clone()),
            DataType::LargeBinary => Encoding::LargeBytes(array.as_binary::<i64>().clone()),
            DataType::BinaryView => Encoding::Views(array.as_binary_view().clone()),
            _ => match data_type.primitive_width() {
                Some(width @ (1 | 2 | 4 | 8 | 16 | 32)) => {
                    let data = array.to_data();
                    fixed.push(FixedColumn {
                        width,
                        values: data.buffers()[0].slice(data.offset() * width),
                        nulls: data.nulls().cloned(),
                    });
                    continue;
                }
                _ => {
                    // Types the row format cannot encode are fingerprinted by their text form.
                    let field = SortField::new(data_type.clone());
                    if RowConverter::supports_fields(std::slice::from_ref(&field)) {
                        others.push(array);
                    } else {
                        others.push(cast(&array, &DataType::Utf8)?);
                    }
                    continue;
                }
            },
        };
        encodings.push(encoding);
    }
    if !others.is_empty() {
        let fields = others
            .iter()
            .map(|array| SortField::new(array.data_type().clone()))
            .collect();
        let converter = RowConverter::new(fields)?;
        encodings.push(Encoding::Rows(converter.convert_columns(&others)?));
    }
    Ok((fixed, encodings))
}

/// The 126-bit fingerprint of `bytes`: XXH3-128, top two bits dropped (so it fits
/// [`HASH_TYPE`]).
pub(super) fn fingerprint(bytes: &[u8]) -> i128 {
    (twox_hash::XxHash3_128::oneshot(bytes) & KEEP_126_BITS) as i128
}

/// One fingerprint per row of `arrays`: XXH3-128 of the row's encoding, top two bits dropped.
fn hash_rows(arrays: &[ArrayRef], rows: usize) -> DfResult<Decimal128Array> {
    let (fixed, encodings) = encodings(arrays)?;
    let fixed_width: usize = fixed.iter().map(|column| 1 + column.width).sum();
    let mut hashes = Vec::with_capacity(rows);
    let mut cursors = Vec::with_capacity(CHUNK);
    let mut buffer = Vec::new();
    for start in (0..rows).step_by(CHUNK) {
        let chunk = CHUNK.min(rows - start);
        // Lengths, then each row's start in the chunk's buffer.
        cursors.clear();
        cursors.resize(chunk, fixed_width);
        for encoding in &encodings {
            encoding.add_lengths(start, &mut cursors);
        }
        let mut total = 0;
        for cursor in cursors.iter_mut() {
            let length = *cursor;
            *cursor = total;
            total += length;
        }
        // Every byte below `total` is written below: the buffer is only ever grown, not cleared.
        if buffer.len() < total {
            buffer.resize(total, 0);
        }
        let mut offset = 0;
        for column in &fixed {
            column.write(start, &mut buffer, &cursors, offset);
            offset += 1 + column.width;
        }
        for cursor in cursors.iter_mut() {
            *cursor += fixed_width;
        }
        for encoding in &encodings {
            encoding.write(start, &mut buffer, &mut cursors);
        }
        // Each cursor now sits at its row's end, which is the next row's start.
        let mut from = 0;
        hashes.extend(cursors.iter().map(|&end| {
            let row = &buffer[from..end];
            from = end;
            fingerprint(row)
        }));
    }
    Ok(Decimal128Array::from(hashes).with_precision_and_scale(38, 0)?)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct DistinctFingerprints {
    signature: Signature,
}

/// The number of distinct values of `fingerprint` (a [`row_hash`]), exact.
pub fn distinct_fingerprints(fingerprint: Expr) -> Expr {
    AggregateUDF::from(DistinctFingerprints {
        signature: Signature::exact(vec![HASH_TYPE], Volatility::Immutable),
    })
    .call(vec![fingerprint])
}

impl AggregateUDFImpl for DistinctFingerprints {
    fn name(&self) -> &str {
        "readiness_distinct_fingerprints"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::UInt64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "sorted"),
            SortedRuns::state_type(),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(FingerprintAccumulator(SortedRuns::new(true))))
    }
}

/// 128-bit values gathered by a partition and sorted when handed on, so each partition sorts
/// its own in parallel and the final step merges sorted runs: the state of
/// `readiness_distinct_fingerprints` and `readiness_key_counts`.
#[derive(Debug, Default)]
pub(super) struct SortedRuns {
    /// This partition's values, in arrival order.
    collected: Vec<i128>,
    /// Sorted runs handed on by other partitions, as they came (not copied).
    runs: Vec<ScalarBuffer<i128>>,
    /// Whether a run holds each value once (distinct counting) or every occurrence.
    distinct: bool,
}

impl SortedRuns {
    pub(super) fn new(distinct: bool) -> Self {
        Self {
            distinct,
            ..Self::default()
        }
    }

    /// The state's type: one sorted run.
    pub(super) fn state_type() -> DataType {
        DataType::List(Arc::new(Field::new_list_field(HASH_TYPE, true)))
    }

    /// Adds the non-NULL values of `values`.
    pub(super) fn collect(&mut self, values: &Decimal128Array) {
        match values.nulls() {
            None => self.collected.extend_from_slice(values.values()),
            Some(_) => self.collected.extend(values.iter().flatten()),
        }
    }

    /// Adds `values`.
    pub(super) fn extend(&mut self, values: impl Iterator<Item = i128>) {
        self.collected.extend(values);
    }

    /// `collected`, sorted (and deduplicated when distinct), leaving it empty.
    fn take_sorted(&mut self) -> Vec<i128> {
        let mut run = sorted(std::mem::take(&mut self.collected));
        if self.distinct {
            run.dedup();
        }
        run
    }

    /// This partition's run, as the state handed on.
    pub(super) fn state(&mut self) -> ScalarValue {
        let run = Decimal128Array::from(self.take_sorted()).with_data_type(HASH_TYPE);
        SingleRowListArrayBuilder::new(Arc::new(run)).build_list_scalar()
    }

    /// Takes the runs other partitions handed on.
    pub(super) fn merge(&mut self, states: &ArrayRef) {
        let lists = states.as_list::<i32>();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let run = lists.value(row);
            if !run.is_empty() {
                self.runs
                    .push(run.as_primitive::<Decimal128Type>().values().clone());
            }
        }
    }

    /// Every run that holds a value, this partition's own sorted among them (the final step's
    /// own is empty: two partitions' runs are then merged with two cursors, not a heap).
    pub(super) fn all_runs(&mut self) -> &[ScalarBuffer<i128>] {
        let own = self.take_sorted();
        if !own.is_empty() {
            self.runs.push(own.into());
        }
        &self.runs
    }

    pub(super) fn size(&self) -> usize {
        let held: usize = self.runs.iter().map(|run| run.len()).sum();
        16 * (self.collected.capacity() + held)
    }
}

/// Inputs shorter than this are sorted whole; longer ones go to buckets first.
const BUCKETED: usize = 1 << 16;

/// Values a bucket of [`sorted`] holds on average, about: a bucket sorts inside the L1 cache.
const BUCKET_VALUES: usize = 1 << 10;

/// `values` in ascending order. Long inputs are first spread into buckets by their distance
/// from the least value (one counting pass, one scatter pass), then each bucket is sorted on
/// its own: fingerprints and keys are spread evenly, so a bucket is small and cache-resident,
/// where sorting millions of 16-byte values whole goes to memory at every level. Any input
/// is sorted correctly; a skewed one only gains less.
pub(super) fn sorted(mut values: Vec<i128>) -> Vec<i128> {
    if values.len() < BUCKETED {
        values.sort_unstable();
        return values;
    }
    let (least, most) = values
        .iter()
        .fold((i128::MAX, i128::MIN), |(least, most), value| {
            (least.min(*value), most.max(*value))
        });
    let span = most.abs_diff(least);
    let wanted = (values.len() / BUCKET_VALUES).next_power_of_two();
    let shift = (128 - span.leading_zeros()).saturating_sub(wanted.trailing_zeros());
    let bucket = |value: i128| (value.abs_diff(least) >> shift) as usize;
    let mut starts = vec![0usize; bucket(most) + 2];
    for value in &values {
        starts[bucket(*value) + 1] += 1;
    }
    for at in 1..starts.len() {
        starts[at] += starts[at - 1];
    }
    let mut out = vec![0i128; values.len()];
    let mut next = starts.clone();
    for value in values {
        let slot = &mut next[bucket(value)];
        out[*slot] = value;
        *slot += 1;
    }
    for range in starts.windows(2) {
        out[range[0]..range[1]].sort_unstable();
    }
    out
}

/// `runs` merged into one ascending iterator: two with two cursors, more through a heap.
pub(super) fn merged<'a>(runs: &[&'a [i128]]) -> impl Iterator<Item = &'a i128> {
    match runs {
        [a, b] => itertools::Either::Left(a.iter().merge(b.iter())),
        _ => itertools::Either::Right(runs.iter().map(|run| run.iter()).kmerge()),
    }
}

/// The number of distinct values in sorted, deduplicated `runs`.
fn distinct_in_runs(runs: &[impl AsRef<[i128]>]) -> usize {
    in_parts(runs, |cut| cut, distinct_in_slices)
        .into_iter()
        .sum()
}

/// `count` applied to the sorted `runs` cut into one part per core, each part on a thread of
/// its own: the cuts are the longest run's quantiles moved down by `align` (values that must be
/// counted together, such as one fingerprint's classes, must align to one cut), and a value is
/// in the same part in every run. Small inputs are one part.
pub(super) fn in_parts<R: Send>(
    runs: &[impl AsRef<[i128]>],
    align: impl Fn(i128) -> i128,
    count: impl Fn(&[&[i128]]) -> R + Sync,
) -> Vec<R> {
    let runs: Vec<&[i128]> = runs.iter().map(AsRef::as_ref).collect();
    let total: usize = runs.iter().map(|run| run.len()).sum();
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get());
    let longest = runs.iter().max_by_key(|run| run.len());
    let (Some(longest), true) = (longest, parts > 1 && total >= 1 << 20) else {
        return vec![count(&runs)];
    };
    let cuts: Vec<i128> = (1..parts)
        .map(|part| align(longest[part * longest.len() / parts]))
        .collect();
    let slices = |part: usize| -> Vec<&[i128]> {
        runs.iter()
            .map(|run| {
                let from = match part {
                    0 => 0,
                    _ => run.partition_point(|value| *value < cuts[part - 1]),
                };
                let to = match cuts.get(part) {
                    Some(cut) => run.partition_point(|value| value < cut),
                    None => run.len(),
                };
                &run[from..to.max(from)]
            })
            .collect()
    };
    let count = &count;
    std::thread::scope(|scope| {
        let counting: Vec<_> = (1..parts)
            .map(|part| {
                let part = slices(part);
                scope.spawn(move || count(&part))
            })
            .collect();
        let mut counted = vec![count(&slices(0))];
        counted.extend(
            counting
                .into_iter()
                .map(|thread| thread.join().expect("counting sorted runs")),
        );
        counted
    })
}

/// The number of distinct values in sorted, deduplicated `runs`: two are merged with two
/// cursors, more by a k-way merge.
fn distinct_in_slices(runs: &[&[i128]]) -> usize {
    match runs {
        [] => 0,
        [run] => run.len(),
        [a, b] => {
            // |A| + |B| - |A ∩ B|, each run holding a value at most once.
            let (mut i, mut j, mut common) = (0, 0, 0);
            while i < a.len() && j < b.len() {
                match a[i].cmp(&b[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        common += 1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            a.len() + b.len() - common
        }
        _ => runs.iter().map(|run| run.iter()).kmerge().dedup().count(),
    }
}

#[derive(Debug)]
struct FingerprintAccumulator(SortedRuns);

impl Accumulator for FingerprintAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.0.collect(values[0].as_primitive::<Decimal128Type>());
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let distinct = distinct_in_runs(self.0.all_runs());
        Ok(ScalarValue::UInt64(Some(distinct as u64)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.0.size()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.0.state()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.0.merge(&states[0]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{BooleanArray, Int64Array, StringArray};

    use super::*;

    #[test]
    fn nulls_in_different_places_hash_differently() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![None, Some("x"), Some("x")]));
        let b: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("x")]));
        let hashes = hash_rows(&[a, b], 3).unwrap();
        assert_ne!(hashes.value(0), hashes.value(1));
        assert_ne!(hashes.value(1), hashes.value(2));
        // Text split differently across columns is a different row.
        let c: ArrayRef = Arc::new(StringArray::from(vec!["ab", "a"]));
        let d: ArrayRef = Arc::new(StringArray::from(vec!["", "b"]));
        let split = hash_rows(&[c, d], 2).unwrap();
        assert_ne!(split.value(0), split.value(1));
        // NULL is not zero, nor false.
        let zero: ArrayRef = Arc::new(Int64Array::from(vec![Some(0), None]));
        let no: ArrayRef = Arc::new(BooleanArray::from(vec![Some(false), None]));
        for column in [zero, no] {
            let hashes = hash_rows(&[column], 2).unwrap();
            assert_ne!(hashes.value(0), hashes.value(1));
        }
    }

    #[test]
    fn equal_rows_hash_alike_and_fit_the_decimal() {
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), Some(7), None, None]));
        let hashes = hash_rows(&[ids], 4).unwrap();
        assert_eq!(hashes.value(0), hashes.value(1));
        assert_eq!(hashes.value(2), hashes.value(3));
        assert_ne!(hashes.value(0), hashes.value(2));
        for hash in hashes.values() {
            assert!((0..10i128.pow(38)).contains(hash));
        }
    }

    #[test]
    fn distinct_values_across_runs() {
        let runs = |runs: &[&[i128]]| {
            distinct_in_runs(&runs.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
        };
        assert_eq!(runs(&[]), 0);
        assert_eq!(runs(&[&[1, 5, 9]]), 3);
        assert_eq!(runs(&[&[1, 5, 9], &[2, 5, 9, 12]]), 5);
        assert_eq!(runs(&[&[], &[2, 3]]), 2);
        assert_eq!(runs(&[&[1, 5], &[5, 7], &[1, 7, 8]]), 4);
        // Large runs are counted in parts, one per core: spread values over the whole
        // fingerprint range, a third of them in both runs.
        // (An odd multiplier is a bijection modulo 2^126.)
        let spread = |i: u128| {
            (i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) & KEEP_126_BITS) as i128
        };
        let mut a: Vec<i128> = (0..900_000).map(spread).collect();
        let mut b: Vec<i128> = (600_000..1_500_000).map(spread).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(distinct_in_runs(&[a.clone(), b.clone()]), 1_500_000);
        assert_eq!(
            distinct_in_runs(&[a, b, vec![spread(7), spread(2_000_000)]]),
            1_500_001
        );
    }

    #[test]
    fn bucketed_sort_orders_any_values() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(11);
        let n = 3 * BUCKETED;
        let inputs: Vec<Vec<i128>> = vec![
            // Fingerprints: spread over 2^126.
            (0..n)
                .map(|_| rng.random::<i128>() & KEEP_126_BITS as i128)
                .collect(),
            // Keys: a dense range, negative and positive, with repeats.
            (0..n).map(|_| rng.random_range(-50_000..50_000)).collect(),
            // Skewed: nearly all one value, and the extremes of the type.
            (0..n)
                .map(|i| match i % 1_000 {
                    0 => i128::MIN,
                    1 => i128::MAX,
                    2 => rng.random(),
                    _ => 42,
                })
                .collect(),
            vec![7; n],
        ];
        for input in inputs {
            let mut expected = input.clone();
            expected.sort_unstable();
            assert_eq!(sorted(input), expected);
        }
        assert_eq!(sorted(vec![3, -1, 2]), vec![-1, 2, 3]);
    }

    #[test]
    fn two_runs_merge_like_many() {
        let (a, b, c): (&[i128], &[i128], &[i128]) = (&[1, 4, 4, 9], &[2, 4, 10], &[0, 11]);
        let two: Vec<i128> = merged(&[a, b]).copied().collect();
        assert_eq!(two, vec![1, 2, 4, 4, 4, 9, 10]);
        let three: Vec<i128> = merged(&[a, b, c]).copied().collect();
        assert_eq!(three, vec![0, 1, 2, 4, 4, 4, 9, 10, 11]);
    }

    #[test]
    fn every_type_is_encoded_without_ambiguity() {
        use datafusion::arrow::array::{
            DictionaryArray, Float64Array, Int8Array, LargeStringArray, ListArray, StringViewArray,
        };
        use datafusion::arrow::datatypes::{Int32Type, Int64Type};
        // Rows 0 and 3 are equal in every column; every other pair differs in one column.
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int8Array::from(vec![
                Some(1),
                Some(1),
                None,
                Some(1),
                Some(1),
                Some(1),
                Some(1),
            ])),
            Arc::new(Float64Array::from(vec![0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0.5])),
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(true),
                Some(true),
                Some(true),
                Some(true),
                None,
                Some(true),
            ])),
            Arc::new(StringViewArray::from(vec![
                "a long value past twelve bytes",
                "a long value past twelve bytes!",
                "a long value past twelve bytes",
                "a long value past twelve bytes",
                "a long value past twelve bytes",
                "a long value past twelve bytes",
                "a long value past twelve bytes",
            ])),
            Arc::new(LargeStringArray::from(vec!["x"; 7])),
            Arc::new(
                vec!["p", "p", "p", "p", "p", "p", "q"]
                    .into_iter()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
            Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
                Some(
                    vec![Some(1)]
                );
                7
            ])),
        ];
        let hashes = hash_rows(&columns, 7).unwrap();
        assert_eq!(hashes.value(0), hashes.value(3));
        let distinct: std::collections::HashSet<i128> = hashes.values().iter().copied().collect();
        assert_eq!(distinct.len(), 6);
        // A list differing in one element is a different row.
        let mut changed = columns.clone();
        changed[6] = Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
            Some(
                vec![Some(2)]
            );
            7
        ]));
        assert_ne!(hash_rows(&changed, 7).unwrap().value(0), hashes.value(0));
        // The same text hashes alike whether dictionary-encoded, a view or plain.
        let plain: ArrayRef = Arc::new(StringArray::from(vec!["p"]));
        let dictionary: ArrayRef = Arc::new(
            vec!["p"]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        let view: ArrayRef = Arc::new(StringViewArray::from(vec!["p"]));
        let one = |array: ArrayRef| hash_rows(&[array], 1).unwrap().value(0);
        assert_eq!(one(plain.clone()), one(dictionary));
        assert_eq!(one(plain), one(view));
        // Rows longer than one chunk hash as they do alone.
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..(2 * CHUNK as i64 + 7)));
        let all = hash_rows(std::slice::from_ref(&ids), ids.len()).unwrap();
        let last = hash_rows(&[ids.slice(ids.len() - 1, 1)], 1).unwrap();
        assert_eq!(all.value(ids.len() - 1), last.value(0));
        // The buffer is reused between chunks: a NULL after a chunk of values leaves nothing
        // of them behind.
        let values = (0..CHUNK as i64).map(Some).chain([None]);
        let ids: ArrayRef = Arc::new(Int64Array::from_iter(values));
        let names: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..=CHUNK).map(|i| if i < CHUNK { "long text" } else { "" }),
        ));
        let all = hash_rows(&[ids.clone(), names.clone()], CHUNK + 1).unwrap();
        let alone = hash_rows(&[ids.slice(CHUNK, 1), names.slice(CHUNK, 1)], 1).unwrap();
        assert_eq!(all.value(CHUNK), alone.value(0));
    }

    #[tokio::test]
    async fn distinct_fingerprints_are_counted_across_partitions() {
        use datafusion::arrow::array::RecordBatch;
        use datafusion::arrow::datatypes::Schema;
        use datafusion::prelude::col;

        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
        ]));
        let batch = |ids: Vec<Option<i64>>, names: Vec<Option<&str>>| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(StringArray::from(names)),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        };
        // 7 rows, 4 distinct: (1,a) three times, (NULL,b) twice, (2,NULL), (2,a); the copies
        // are spread over both partitions.
        let batches = vec![
            batch(
                vec![Some(1), None, Some(2)],
                vec![Some("a"), Some("b"), None],
            ),
            batch(
                vec![Some(1), Some(2), None, Some(1)],
                vec![Some("a"), Some("a"), Some("b"), Some("a")],
            ),
        ];
        for partitions in [1, 2] {
            let frame = crate::profile::testing::partitioned(batches.clone(), partitions);
            let fingerprint = row_hash(vec![col("id"), col("name")]);
            let result = frame
                .aggregate(vec![], vec![distinct_fingerprints(fingerprint)])
                .unwrap()
                .collect()
                .await
                .unwrap();
            let distinct = result[0]
                .column(0)
                .as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
            assert_eq!(distinct.value(0), 4, "{partitions} partitions");
        }
    }
}
