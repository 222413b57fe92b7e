//! The profile pass of a wide dataset (hundreds to tens of thousands of columns), planned
//! around DataFusion's lookups of columns by name.
//!
//! DataFusion resolves every column an expression names by walking its input's schema
//! (`DFSchema::index_of_column_by_name`), once per planning step that looks at the expression.
//! The profile pass names each column in a dozen aggregates, so planning it as one logical
//! aggregate costs columns x aggregates x columns: 218 s for 1,000 rows of 10,000 columns,
//! nearly all of it in that walk (upstream: apache/datafusion#7698, "DFSchema lookups are
//! linear"; see BENCHMARKS.md, "Wide tables").
//!
//! Here the same aggregates are planned physically, in groups of columns:
//! - each aggregate goes to the group of the first column it names (one that names more than
//!   a handful of columns, a row fingerprint or the row's missing values, goes to a group of
//!   its own over every column);
//! - each group reads only its columns (the projection pushed into the scan), so a file's
//!   columns are decoded once over all groups, and the groups run side by side, one per core:
//!   a wide file of a single row group keeps every core busy;
//! - each expression is resolved against a schema of only the columns it names (type coercion
//!   and physical planning as DataFusion's own), and an expression over many columns is built
//!   argument by argument, so no lookup walks more than a handful of columns.
//!
//! The figures are DataFusion's own aggregates over the same rows: equal to the logical plan's
//! (tests/wide.rs compares every figure of the sample data planned both ways).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::execution_props::ExecutionProps;
use datafusion::logical_expr::expr::{AggregateFunction, ScalarFunction};
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::optimizer::analyzer::type_coercion::TypeCoercionRewriter;
use datafusion::physical_expr::aggregate::{AggregateExprBuilder, AggregateFunctionExpr};
use datafusion::physical_expr::expressions::Column as PhysicalColumn;
use datafusion::physical_expr::{PhysicalExpr, ScalarFunctionExpr, create_physical_expr};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode, PhysicalGroupBy};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::prelude::DataFrame;

/// Datasets with at least this many columns are profiled by this module's plan, unless
/// `READINESS_WIDE_COLUMNS` sets another count (the tests set 1, to plan every sample dataset
/// this way and compare its figures).
const WIDE_COLUMNS: usize = 256;

/// Whether a dataset of `columns` columns is profiled by this module's plan.
pub fn is_wide(columns: usize) -> bool {
    static FROM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let from = *FROM.get_or_init(|| {
        std::env::var("READINESS_WIDE_COLUMNS")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(WIDE_COLUMNS)
    });
    columns >= from
}

/// Columns per group at least: a group's aggregates are planned and run together.
const GROUP_COLUMNS: usize = 128;

/// Groups at most: each group opens the files and converts their schema (a Parquet footer of
/// 10,000 columns takes milliseconds to read into Arrow's), so a wider table gets wider groups.
const GROUPS: usize = 16;

/// An expression naming at most this many columns is resolved against a schema of just those.
const FEW_COLUMNS: usize = 16;

/// The profile pass's aggregates (each aliased with its name) over `frame`, planned as this
/// module says: one single-row batch per group, the aggregates' names as column names. `Ok(None)`
/// when an aggregate cannot be planned this way (the caller plans it as one logical aggregate);
/// an error is one of reading the data.
pub async fn aggregate(
    frame: DataFrame,
    aggregates: &[Expr],
) -> DfResult<Option<Vec<RecordBatch>>> {
    let (state, _) = frame.clone().into_parts();
    let task = Arc::new(frame.task_ctx());
    let input = frame.create_physical_plan().await?;
    let mut props = state.execution_props().clone();
    props.mark_start_execution(state.config_options().clone());
    let plans = match plan_groups(&input, aggregates, &props) {
        Ok(plans) => plans,
        Err(error) => {
            tracing::info!(%error, "the wide profile pass cannot plan an aggregate: planning it as one");
            return Ok(None);
        }
    };
    tracing::info!(
        groups = plans.len(),
        "the wide profile pass, in groups of columns"
    );
    // The groups side by side, as many at a time as the session has partitions (cores).
    let parallel = task.session_config().target_partitions().max(1);
    let mut running = tokio::task::JoinSet::new();
    let mut batches = Vec::new();
    for plan in plans {
        if running.len() >= parallel
            && let Some(done) = running.join_next().await
        {
            batches.extend(joined(done)?);
        }
        running.spawn(datafusion::physical_plan::collect(plan, task.clone()));
    }
    while let Some(done) = running.join_next().await {
        batches.extend(joined(done)?);
    }
    Ok(Some(batches))
}

fn joined(
    done: Result<DfResult<Vec<RecordBatch>>, tokio::task::JoinError>,
) -> DfResult<Vec<RecordBatch>> {
    done.map_err(|error| DataFusionError::External(Box::new(error)))?
}

/// One of the pass's aggregates: its name, its expression and the positions of the columns it
/// names, in order.
struct Named<'a> {
    name: &'a str,
    expr: &'a Expr,
    columns: Vec<usize>,
}

/// One aggregate plan per group of columns.
fn plan_groups(
    input: &Arc<dyn ExecutionPlan>,
    aggregates: &[Expr],
    props: &ExecutionProps,
) -> DfResult<Vec<Arc<dyn ExecutionPlan>>> {
    let schema = input.schema();
    let index: HashMap<&str, usize> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(position, field)| (field.name().as_str(), position))
        .collect();
    let named: Vec<Named> = aggregates
        .iter()
        .map(|aggregate| {
            let Expr::Alias(alias) = aggregate else {
                return Err(DataFusionError::Plan("an unnamed aggregate".into()));
            };
            let mut columns = alias
                .expr
                .column_refs()
                .into_iter()
                .map(|column| {
                    index
                        .get(column.name.as_str())
                        .copied()
                        .ok_or_else(|| DataFusionError::Plan(format!("no column {}", column.name)))
                })
                .collect::<DfResult<Vec<_>>>()?;
            columns.sort_unstable();
            Ok(Named {
                name: alias.name.as_str(),
                expr: alias.expr.as_ref(),
                columns,
            })
        })
        .collect::<DfResult<_>>()?;
    // How many aggregates name each column: an aggregate of a column and the label (or the
    // time column) goes with its own column, not with the label that every such pair names.
    let mut named_by = vec![0usize; schema.fields().len()];
    for aggregate in &named {
        for &column in &aggregate.columns {
            named_by[column] += 1;
        }
    }
    let group_columns = GROUP_COLUMNS.max(schema.fields().len().div_ceil(GROUPS));
    // Group key: the group of the column the aggregate is most its own (named by the fewest
    // aggregates), or `usize::MAX` for the group over every column.
    let mut groups: BTreeMap<usize, Vec<Named>> = BTreeMap::new();
    for aggregate in named {
        let key = if aggregate.columns.len() > FEW_COLUMNS {
            usize::MAX
        } else {
            aggregate
                .columns
                .iter()
                .min_by_key(|&&column| named_by[column])
                .map_or(0, |column| column / group_columns)
        };
        groups.entry(key).or_default().push(aggregate);
    }
    // The group over every column first: it is the longest, and the others fill the cores
    // around it.
    let every_column = groups.remove(&usize::MAX);
    every_column
        .into_iter()
        .chain(groups.into_values())
        .map(|group| plan_group(input, &schema, &group, props))
        .collect()
}

/// One group's aggregate over a read of only its columns.
fn plan_group(
    input: &Arc<dyn ExecutionPlan>,
    schema: &SchemaRef,
    group: &[Named],
    props: &ExecutionProps,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let mut columns: Vec<usize> = group
        .iter()
        .flat_map(|aggregate| aggregate.columns.iter().copied())
        .collect();
    columns.sort_unstable();
    columns.dedup();
    // A scan shares its files among the streams of one execution: each group runs its own.
    let input = reset_plan_states(input.clone())?;
    let read = if columns.len() == schema.fields().len() {
        input
    } else {
        narrowed(&input, schema, &columns)?
    };
    let read_schema = read.schema();
    let resolver = Resolver::new(&read_schema, props);
    let aggregates = group
        .iter()
        .map(|aggregate| {
            resolver
                .aggregate(aggregate.name, aggregate.expr)
                .map(Arc::new)
        })
        .collect::<DfResult<Vec<_>>>()?;
    let filters = vec![None; aggregates.len()];
    let partial = Arc::new(AggregateExec::try_new(
        AggregateMode::Partial,
        PhysicalGroupBy::default(),
        aggregates,
        filters.clone(),
        read.clone(),
        read_schema.clone(),
    )?);
    let merged = Arc::new(CoalescePartitionsExec::new(partial.clone()));
    Ok(Arc::new(AggregateExec::try_new(
        AggregateMode::Final,
        partial.group_expr().as_final(),
        partial.aggr_expr().to_vec(),
        filters,
        merged,
        read_schema,
    )?))
}

/// `input` read with only `columns` (in the scan where it can take the projection).
fn narrowed(
    input: &Arc<dyn ExecutionPlan>,
    schema: &SchemaRef,
    columns: &[usize],
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let projection = ProjectionExec::try_new(
        columns.iter().map(|&position| {
            let name = schema.field(position).name();
            let column: Arc<dyn PhysicalExpr> = Arc::new(PhysicalColumn::new(name, position));
            (column, name.clone())
        }),
        input.clone(),
    )?;
    Ok(match input.try_swapping_with_projection(&projection)? {
        Some(scan) => scan,
        None => Arc::new(projection),
    })
}

/// Resolves logical expressions against one group's read, each against only the columns it
/// names.
struct Resolver<'a> {
    schema: &'a SchemaRef,
    index: HashMap<&'a str, usize>,
    props: &'a ExecutionProps,
    config: Arc<ConfigOptions>,
}

impl<'a> Resolver<'a> {
    fn new(schema: &'a SchemaRef, props: &'a ExecutionProps) -> Self {
        let index = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(position, field)| (field.name().as_str(), position))
            .collect();
        let config = props.config_options.clone().unwrap_or_default();
        Self {
            schema,
            index,
            props,
            config,
        }
    }

    fn aggregate(&self, name: &str, expr: &Expr) -> DfResult<AggregateFunctionExpr> {
        let expr = if expr.column_refs().len() <= FEW_COLUMNS {
            self.coerced(expr)?.0
        } else {
            expr.clone()
        };
        let Expr::AggregateFunction(AggregateFunction { func, params }) = expr else {
            return Err(DataFusionError::NotImplemented(format!(
                "{name} is not an aggregate function"
            )));
        };
        if params.distinct
            || params.filter.is_some()
            || !params.order_by.is_empty()
            || params.null_treatment.is_some()
        {
            return Err(DataFusionError::NotImplemented(format!(
                "{name}: DISTINCT, FILTER, ORDER BY or null treatment"
            )));
        }
        let args = params
            .args
            .iter()
            .map(|arg| self.expr(arg))
            .collect::<DfResult<Vec<_>>>()?;
        AggregateExprBuilder::new(func, args)
            .schema(self.schema.clone())
            .alias(name)
            .human_display(name.to_string())
            .build()
    }

    /// A scalar expression: against only its columns when it names few, else built argument by
    /// argument (a function of many columns: a row's fingerprint, its missing values).
    fn expr(&self, expr: &Expr) -> DfResult<Arc<dyn PhysicalExpr>> {
        if expr.column_refs().len() <= FEW_COLUMNS {
            let (coerced, narrow) = self.coerced(expr)?;
            let physical = create_physical_expr(
                &coerced,
                &narrow,
                self.props,
                &PhysicalPlanningContext::default(),
            )?;
            return self.in_read(physical);
        }
        match expr {
            Expr::Alias(alias) => self.expr(&alias.expr),
            Expr::ScalarFunction(ScalarFunction { func, args }) => {
                let args = args
                    .iter()
                    .map(|arg| self.expr(arg))
                    .collect::<DfResult<Vec<_>>>()?;
                Ok(Arc::new(ScalarFunctionExpr::try_new(
                    func.clone(),
                    args,
                    self.schema,
                    self.config.clone(),
                )?))
            }
            other => Err(DataFusionError::NotImplemented(format!(
                "an expression over many columns: {}",
                other.variant_name()
            ))),
        }
    }

    /// `expr` with its columns unqualified and its types coerced as DataFusion's analyzer
    /// coerces them, and the schema of only the columns it names.
    fn coerced(&self, expr: &Expr) -> DfResult<(Expr, DFSchema)> {
        let mut names: Vec<&str> = expr
            .column_refs()
            .into_iter()
            .map(|column| column.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        let fields = names
            .iter()
            .map(|name| {
                let position = self.position(name)?;
                Ok(Arc::new(Field::clone(self.schema.field(position))))
            })
            .collect::<DfResult<Vec<Arc<Field>>>>()?;
        let narrow = DFSchema::from_unqualified_fields(fields.into(), HashMap::new())?;
        let unqualified = expr
            .clone()
            .transform(|node| match node {
                Expr::Column(column) if column.relation.is_some() => Ok(Transformed::yes(
                    Expr::Column(Column::new_unqualified(column.name)),
                )),
                other => Ok(Transformed::no(other)),
            })?
            .data;
        let coerced = unqualified
            .rewrite(&mut TypeCoercionRewriter::new(&narrow))?
            .data;
        Ok((coerced, narrow))
    }

    /// A physical expression planned against a narrow schema, its columns pointed at the read.
    fn in_read(&self, physical: Arc<dyn PhysicalExpr>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(physical
            .transform(|node| {
                let Some(column) = node.downcast_ref::<PhysicalColumn>() else {
                    return Ok(Transformed::no(node));
                };
                let position = self.position(column.name())?;
                let moved: Arc<dyn PhysicalExpr> =
                    Arc::new(PhysicalColumn::new(column.name(), position));
                Ok(Transformed::yes(moved))
            })?
            .data)
    }

    fn position(&self, name: &str) -> DfResult<usize> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| DataFusionError::Plan(format!("no column {name} in the read")))
    }
}
