//! Groups of an attribute and the choice of the reference group.

use crate::counts::{show, Cell, GroupValue};
use crate::spec::{Favorable, ReferenceStrategy, References};
use crate::{Error, Result};

use super::rates::{favorable_rate, Rates};

/// One group of an attribute or intersection.
#[derive(Clone, Debug)]
pub struct Group {
    /// One value per member attribute.
    pub key: Vec<GroupValue>,
    /// "female", or "female & black" for an intersection.
    pub name: String,
    /// The group's counts.
    pub cell: Cell,
    /// Every rate of the group.
    pub rates: Rates,
}

impl Group {
    /// The group of `key` with counts `cell`.
    pub fn new(key: Vec<GroupValue>, cell: Cell) -> Self {
        let name = group_name(&key);
        let rates = Rates::of(&cell);
        Group {
            key,
            name,
            cell,
            rates,
        }
    }
    /// Rows in the group.
    pub fn rows(&self) -> u64 {
        self.cell.rows()
    }
    /// Sum of the group's weights.
    pub fn weight(&self) -> f64 {
        self.cell.w.iter().sum()
    }
}

/// "female & black" for an intersection key, "female" for a single attribute.
pub fn group_name(key: &[GroupValue]) -> String {
    key.iter().map(show).collect::<Vec<_>>().join(" & ")
}

/// "sex & race" for an intersection.
pub fn attribute_name(members: &[String]) -> String {
    members.join(" & ")
}

/// The reference a group is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    /// Index into the attribute's groups.
    Group(usize),
    /// The whole data set.
    Overall,
}

/// Chooses the reference of one attribute. `eligible` says which groups may be
/// chosen by a strategy (large enough to be judged); a named group is always used.
pub fn choose_reference(
    attribute: &str,
    groups: &[Group],
    refs: &References,
    favorable: Favorable,
    eligible: &dyn Fn(&Group) -> bool,
) -> Result<Reference> {
    if let Some(name) = refs.named.get(attribute) {
        return groups
            .iter()
            .position(|g| &g.name == name)
            .map(Reference::Group)
            .ok_or_else(|| {
                Error::usage(format!(
                    "--reference {attribute}={name}: attribute '{attribute}' has no group '{name}'; its groups are: {}",
                    groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
                ))
            });
    }
    let candidates = || groups.iter().enumerate().filter(|(_, g)| eligible(g));
    let largest = |(_, a): &(usize, &Group), (_, b): &(usize, &Group)| {
        a.rows().cmp(&b.rows()).then_with(|| b.name.cmp(&a.name))
    };
    let pick = match refs.strategy {
        ReferenceStrategy::Overall => return Ok(Reference::Overall),
        ReferenceStrategy::Largest => candidates().max_by(largest).map(|(i, _)| i),
        ReferenceStrategy::Best => candidates()
            .filter_map(|(i, g)| favorable_rate(&g.rates, favorable).map(|f| (i, g, f)))
            .max_by(|(_, a, fa), (_, b, fb)| {
                fa.total_cmp(fb)
                    .then_with(|| a.rows().cmp(&b.rows()))
                    .then_with(|| b.name.cmp(&a.name))
            })
            .map(|(i, _, _)| i),
    };
    // No eligible group: fall back to the largest group of all.
    let pick = pick.or_else(|| groups.iter().enumerate().max_by(largest).map(|(i, _)| i));
    pick.map(Reference::Group)
        .ok_or_else(|| Error::usage(format!("attribute '{attribute}' has no groups")))
}
