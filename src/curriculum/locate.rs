//! Maps a key path inside a TOML document (e.g. `weeks[3].questions`) to a `LINE:COL`.
//!
//! Semantic problems are found on the typed data; this module turns their key path back
//! into a position in the source text so every problem can be reported as `FILE:LINE:COL`.

use std::ops::Range;
use toml_edit::{Document, Item, Table, Value};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A key path such as `[Key("weeks"), Index(3), Key("questions")]`.
pub type KeyPath = Vec<Seg>;

/// 1-based line and column of a byte offset (columns count characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Finds the best position for `path`: the key itself when the last step is a key, the
/// element when it is an index, or the deepest ancestor that exists.
pub fn locate(doc: &Document<String>, path: &[Seg]) -> Option<Range<usize>> {
    enum Node<'a> {
        Item(&'a Item),
        Value(&'a Value),
        Table(&'a Table),
    }
    fn set(best: &mut Option<Range<usize>>, span: Option<Range<usize>>) {
        if span.is_some() {
            *best = span;
        }
    }
    let mut node = Node::Table(doc.as_table());
    let mut best: Option<Range<usize>> = None;
    for seg in path {
        let next = match (&node, seg) {
            (Node::Table(t), Seg::Key(k)) => {
                if let Some(key) = t.key(k) {
                    set(&mut best, key.span());
                }
                t.get(k).map(Node::Item)
            }
            (Node::Item(Item::Table(t)), Seg::Key(k)) => {
                if let Some(key) = t.key(k) {
                    set(&mut best, key.span());
                }
                t.get(k).map(Node::Item)
            }
            (Node::Item(Item::Value(Value::InlineTable(t))), Seg::Key(k))
            | (Node::Value(Value::InlineTable(t)), Seg::Key(k)) => {
                if let Some(key) = t.key(k) {
                    set(&mut best, key.span());
                }
                t.get(k).map(Node::Value)
            }
            (Node::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => a.get(*i).map(|t| {
                // A `[[weeks]]` header: point at the header line of that table.
                set(&mut best, t.span());
                Node::Table(t)
            }),
            (Node::Item(Item::Value(Value::Array(a))), Seg::Index(i))
            | (Node::Value(Value::Array(a)), Seg::Index(i)) => a.get(*i).map(|v| {
                set(&mut best, v.span());
                Node::Value(v)
            }),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    best
}

/// Renders a key path for messages: `weeks[3].questions`.
pub fn display(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 4));
    }

    #[test]
    fn locates_keys_in_array_of_tables_and_arrays() {
        let text = "[[weeks]]\nnumber = 1\n\n[[weeks]]\nnumber = 2\nquestions = [\"a\", \"b\"]\n";
        let doc = Document::parse(text.to_string()).unwrap();
        let r = locate(&doc, &[Seg::Key("weeks"), Seg::Index(1), Seg::Key("questions")]).unwrap();
        assert_eq!(line_col(text, r.start), (6, 1));
        let r = locate(&doc, &[Seg::Key("weeks"), Seg::Index(1), Seg::Key("questions"), Seg::Index(1)]).unwrap();
        assert_eq!(line_col(text, r.start), (6, 19));
        // A missing key falls back to the deepest ancestor found.
        let r = locate(&doc, &[Seg::Key("weeks"), Seg::Index(0), Seg::Key("nope")]).unwrap();
        assert_eq!(line_col(text, r.start), (1, 1));
    }
}
