//! The distinct label values of a column, in class order.

/// The distinct label values, in class order (sorted by value).
#[derive(Clone, Debug, PartialEq)]
pub enum Classes {
    Int(Vec<i64>),
    UInt(Vec<u64>),
    Str(Vec<String>),
}

impl Classes {
    pub fn len(&self) -> usize {
        match self {
            Classes::Int(v) => v.len(),
            Classes::UInt(v) => v.len(),
            Classes::Str(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The classes at the given positions, in that order.
    pub fn take(&self, at: &[u32]) -> Classes {
        match self {
            Classes::Int(v) => Classes::Int(at.iter().map(|&i| v[i as usize]).collect()),
            Classes::UInt(v) => Classes::UInt(at.iter().map(|&i| v[i as usize]).collect()),
            Classes::Str(v) => Classes::Str(at.iter().map(|&i| v[i as usize].clone()).collect()),
        }
    }

    /// The classes at the given positions, in that order, taken out of
    /// `self` (strings are moved, not copied; each position at most once).
    pub fn into_take(self, at: &[u32]) -> Classes {
        match self {
            Classes::Str(mut v) => Classes::Str(at.iter().map(|&i| std::mem::take(&mut v[i as usize])).collect()),
            other => other.take(at),
        }
    }

    /// A class rendered for messages.
    pub fn display(&self, i: usize) -> String {
        match self {
            Classes::Int(v) => v[i].to_string(),
            Classes::UInt(v) => v[i].to_string(),
            Classes::Str(v) => format!("{:?}", v[i]),
        }
    }
}
