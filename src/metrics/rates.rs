//! Rates of one cell and a group's disparities against a reference, with the
//! reason whenever a value is undefined.

use crate::counts::{Cell, Outcome};
use crate::spec::metric::Rate;
use crate::spec::Favorable;

/// Numerator and denominator of a rate, in weight units and in rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parts {
    /// Weighted numerator (rows when unweighted).
    pub num: f64,
    /// Weighted denominator (rows when unweighted).
    pub den: f64,
    /// Sum of squared weights over the denominator (for Kish's effective size).
    pub den_w2: f64,
    /// Rows in the numerator.
    pub x: u64,
    /// Rows in the denominator.
    pub n: u64,
}

impl Parts {
    /// The rate, when the denominator is not zero.
    pub fn value(&self) -> Option<f64> {
        (self.den > 0.0).then(|| self.num / self.den)
    }

    /// Kish's effective sample size, (Σw)² / Σw²; equals the rows when unweighted.
    pub fn n_eff(&self) -> f64 {
        if self.den_w2 > 0.0 {
            self.den * self.den / self.den_w2
        } else {
            0.0
        }
    }

    /// `Some` of the rate's (x, n) in effective units: with weights, n is
    /// Kish's effective sample size and x = p·n, so intervals and tests reflect
    /// the information the weighted sample holds.
    pub fn effective(&self) -> Option<(f64, f64)> {
        let v = self.value()?;
        let n = self.n_eff();
        Some((v * n, n))
    }
}

use Outcome::{Fn as FN, Fp as FP, Tn as TN, Tp as TP};

/// How a rate is computed from the confusion counts of a cell.
pub trait RateOf {
    /// Outcomes in the numerator and in the denominator.
    fn outcomes(self) -> (&'static [Outcome], &'static [Outcome]);
    /// Numerator and denominator of the rate in a cell.
    fn parts(self, c: &Cell) -> Parts;
    /// Why the rate is undefined for a cell whose denominator is zero.
    fn undefined_reason(self, c: &Cell) -> &'static str;
}

impl RateOf for Rate {
    fn outcomes(self) -> (&'static [Outcome], &'static [Outcome]) {
        const ALL: &[Outcome] = &[TN, FP, FN, TP];
        match self {
            Rate::BaseRate => (&[TP, FN], ALL),
            Rate::SelectionRate => (&[TP, FP], ALL),
            Rate::Tpr => (&[TP], &[TP, FN]),
            Rate::Fpr => (&[FP], &[FP, TN]),
            Rate::Tnr => (&[TN], &[FP, TN]),
            Rate::Fnr => (&[FN], &[TP, FN]),
            Rate::Ppv => (&[TP], &[TP, FP]),
            Rate::Npv => (&[TN], &[TN, FN]),
            Rate::Fdr => (&[FP], &[TP, FP]),
            Rate::For => (&[FN], &[TN, FN]),
            Rate::Accuracy => (&[TP, TN], ALL),
        }
    }

    fn parts(self, c: &Cell) -> Parts {
        let (num, den) = self.outcomes();
        let mut p = Parts::default();
        for &o in num {
            p.num += c.w[o as usize];
            p.x += c.n[o as usize];
        }
        for &o in den {
            p.den += c.w[o as usize];
            p.den_w2 += c.w2[o as usize];
            p.n += c.n[o as usize];
        }
        p
    }

    fn undefined_reason(self, c: &Cell) -> &'static str {
        let p = self.parts(c);
        if p.n > 0 {
            return "the weights of the rows in the denominator sum to zero";
        }
        match self {
            Rate::BaseRate | Rate::SelectionRate | Rate::Accuracy => "empty group",
            Rate::Tpr | Rate::Fnr => "no actual positives in group",
            Rate::Fpr | Rate::Tnr => "no actual negatives in group",
            Rate::Ppv | Rate::Fdr => "no predicted positives in group",
            Rate::Npv | Rate::For => "no predicted negatives in group",
        }
    }
}

/// The value of every rate of one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates(pub [Option<f64>; 11]);

impl Rates {
    /// Every rate of a cell.
    pub fn of(c: &Cell) -> Self {
        Rates(Rate::ALL.map(|r| r.parts(c).value()))
    }
    /// One rate.
    pub fn get(&self, r: Rate) -> Option<f64> {
        self.0[r as usize]
    }
}

/// The favourable-outcome rate: selection rate, or its complement when the
/// positive prediction is adverse.
pub fn favorable_rate(rates: &Rates, favorable: Favorable) -> Option<f64> {
    let sr = rates.get(Rate::SelectionRate)?;
    Some(match favorable {
        Favorable::Positive => sr,
        Favorable::Negative => 1.0 - sr,
    })
}

/// A value that may be undefined, with the reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Defined(f64),
    /// No number, and why.
    Undefined(String),
}

impl Value {
    /// The number, if defined.
    pub fn get(&self) -> Option<f64> {
        match self {
            Value::Defined(v) => Some(*v),
            Value::Undefined(_) => None,
        }
    }
    /// Why it is undefined, if it is.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Value::Defined(_) => None,
            Value::Undefined(r) => Some(r),
        }
    }
    /// `Defined(v)` for `Some(v)`, else `Undefined(why)`.
    pub fn or_undefined(v: Option<f64>, why: &str) -> Value {
        match v {
            Some(x) => Value::Defined(x),
            None => Value::Undefined(why.to_string()),
        }
    }
}

/// A group's difference and ratio against the reference for one rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Disparity {
    /// The group's rate minus the reference's.
    pub difference: Value,
    /// The group's rate over the reference's.
    pub ratio: Value,
}

/// Difference and ratio of `g` to `r`, with reasons when undefined.
pub fn disparity(rate: Rate, g: Option<f64>, r: Option<f64>) -> Disparity {
    let name = rate.name();
    match (g, r) {
        (Some(g), Some(r)) => Disparity {
            difference: Value::Defined(g - r),
            ratio: if r > 0.0 {
                Value::Defined(g / r)
            } else {
                Value::Undefined(format!("the reference group's {name} is 0"))
            },
        },
        (None, _) => {
            let why = format!("the group's {name} is undefined");
            Disparity {
                difference: Value::Undefined(why.clone()),
                ratio: Value::Undefined(why),
            }
        }
        (Some(_), None) => {
            let why = format!("the reference group's {name} is undefined");
            Disparity {
                difference: Value::Undefined(why.clone()),
                ratio: Value::Undefined(why),
            }
        }
    }
}
