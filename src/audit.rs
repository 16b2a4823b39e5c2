//! The pipeline: counts → per-attribute audits. [`run`] is what the CLI calls;
//! [`audit_counts`] starts from counts, so counts from anywhere (several files,
//! a SQL engine) give the same report as the file itself.

use crate::counts::{Cell, Counts, GroupValue};
use crate::ingest;
use crate::metrics::{
    attribute_name, choose_reference, disparity, favorable_rate, summarize, Disparity, Group, Rate,
    Reference, Summary, Value,
};
use crate::spec::AuditSpec;
use crate::Result;

/// One group's results within an attribute.
#[derive(Clone, Debug)]
pub struct GroupAudit {
    pub group: Group,
    /// Share of the rows used.
    pub share: f64,
    /// Difference and ratio against the reference, per rate.
    pub disparities: Vec<(Rate, Disparity)>,
    /// Favourable-outcome rate over the reference's (the four-fifths ratio).
    pub impact_ratio: Value,
    /// ½((fpr − fpr_ref) + (tpr − tpr_ref)), AIF360's average odds difference.
    pub average_odds_difference: Value,
}

/// One attribute or intersection.
#[derive(Clone, Debug)]
pub struct AttributeAudit {
    /// "sex", or "sex & race" for an intersection.
    pub name: String,
    pub members: Vec<String>,
    pub reference: Reference,
    /// The reference's name: a group name, or "(overall)".
    pub reference_name: String,
    pub groups: Vec<GroupAudit>,
    pub summary: Summary,
}

/// The result of an audit, before any output format.
#[derive(Clone, Debug)]
pub struct Audit {
    pub spec: AuditSpec,
    pub counts: Counts,
    pub overall: Group,
    pub attributes: Vec<AttributeAudit>,
}

/// Reads the data of `spec` and audits it.
pub fn run(spec: &AuditSpec) -> Result<Audit> {
    spec.validate()?;
    let counts = ingest::read_all(spec)?;
    audit_counts(spec, counts)
}

/// Every attribute alone, then (with `intersect`) every combination of two or
/// more, in the order the attributes were given.
pub fn attribute_sets(n: usize, intersect: bool) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    if intersect {
        for size in 2..=n {
            let mut combo: Vec<usize> = (0..size).collect();
            loop {
                sets.push(combo.clone());
                // next combination in lexicographic order
                let mut i = size;
                while i > 0 && combo[i - 1] == n - size + i - 1 {
                    i -= 1;
                }
                if i == 0 {
                    break;
                }
                combo[i - 1] += 1;
                for j in i..size {
                    combo[j] = combo[j - 1] + 1;
                }
            }
        }
    }
    sets
}

/// Audits counts: the whole computation after ingest.
pub fn audit_counts(spec: &AuditSpec, counts: Counts) -> Result<Audit> {
    let total = counts.total();
    let overall = Group::new(vec![], total.clone());
    let rows_used = total.rows() as f64;
    let mut attributes = vec![];
    for members in attribute_sets(counts.attributes.len(), spec.intersect) {
        let names: Vec<String> = members
            .iter()
            .map(|&i| counts.attributes[i].clone())
            .collect();
        let name = attribute_name(&names);
        let mut cells: Vec<(Vec<GroupValue>, Cell)> = counts.rollup(&members).into_iter().collect();
        // Missing values last, otherwise in key order.
        cells.sort_by(|(a, _), (b, _)| {
            let am = a.iter().any(Option::is_none);
            let bm = b.iter().any(Option::is_none);
            am.cmp(&bm).then_with(|| a.cmp(b))
        });
        let groups: Vec<Group> = cells.into_iter().map(|(k, c)| Group::new(k, c)).collect();
        let reference =
            choose_reference(&name, &groups, &spec.references, spec.favorable, &|_| true)?;
        let (ref_rates, ref_index, reference_name) = match &reference {
            Reference::Group(i) => (groups[*i].rates.clone(), Some(*i), groups[*i].name.clone()),
            Reference::Overall => (overall.rates.clone(), None, "(overall)".to_string()),
        };
        let included = vec![true; groups.len()];
        let summary = summarize(
            &groups,
            &included,
            &|_| String::new(),
            &ref_rates,
            ref_index,
            spec.favorable,
        );
        let ref_fav = favorable_rate(&ref_rates, spec.favorable);
        let audits = groups
            .into_iter()
            .map(|g| {
                let disparities = Rate::ALL
                    .iter()
                    .map(|&r| (r, disparity(r, g.rates.get(r), ref_rates.get(r))))
                    .collect();
                let impact_ratio = match (favorable_rate(&g.rates, spec.favorable), ref_fav) {
                    (Some(f), Some(r)) if r > 0.0 => Value::Defined(f / r),
                    (Some(_), Some(_)) => {
                        Value::Undefined("the reference's favourable-outcome rate is 0".into())
                    }
                    (None, _) => Value::Undefined("the group's selection_rate is undefined".into()),
                    (_, None) => {
                        Value::Undefined("the reference's selection_rate is undefined".into())
                    }
                };
                let aod = match (
                    g.rates.get(Rate::Tpr),
                    g.rates.get(Rate::Fpr),
                    ref_rates.get(Rate::Tpr),
                    ref_rates.get(Rate::Fpr),
                ) {
                    (Some(t), Some(f), Some(rt), Some(rf)) => {
                        Value::Defined(0.5 * ((f - rf) + (t - rt)))
                    }
                    (None, ..) | (_, None, ..) => {
                        Value::Undefined("the group's tpr or fpr is undefined".into())
                    }
                    _ => Value::Undefined("the reference's tpr or fpr is undefined".into()),
                };
                GroupAudit {
                    average_odds_difference: aod,
                    share: if rows_used > 0.0 {
                        g.rows() as f64 / rows_used
                    } else {
                        0.0
                    },
                    group: g,
                    disparities,
                    impact_ratio,
                }
            })
            .collect();
        attributes.push(AttributeAudit {
            name,
            members: names,
            reference,
            reference_name,
            groups: audits,
            summary,
        });
    }
    Ok(Audit {
        spec: spec.clone(),
        counts,
        overall,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_sets_cover_every_intersection() {
        assert_eq!(attribute_sets(2, false), vec![vec![0], vec![1]]);
        assert_eq!(
            attribute_sets(3, true),
            vec![
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2]
            ]
        );
        assert_eq!(attribute_sets(1, true), vec![vec![0]]);
    }
}
