//! The crates' layers, checked from their sources: every module of the core
//! uses only its own layer and the ones below it (the order of `LAYERS`),
//! and no two files of the core or of the bindings use each other, directly
//! or through others. Paths are read as the compiler resolves them
//! (`crate::`, `super::`, `self::`, groups, the root's re-exports); test
//! modules and comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The core's layers from the bottom up; `lib.rs`'s table says what each holds.
const LAYERS: [&[&str]; 8] = [
    &["error", "hash", "params", "contract"],
    &["column"],
    &["simd"],
    &["exec"],
    &["factorize"],
    &["rank"],
    &["ops"],
    &["batch"],
];

/// A crate's sources: module path (`rank::regions`; the root is `""`) to code.
type Sources = BTreeMap<String, String>;

fn read_crate(src: &Path) -> Sources {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(src, &mut paths);
    paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(src).unwrap().with_extension("");
            let parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|&s| s != "mod" && s != "lib").collect();
            (parts.join("::"), std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

/// The code before the test module, without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    let text = text.split("#[cfg(test)]\npub(crate) mod testing").next().unwrap();
    text.lines()
        .map(|l| l.split("//").next().unwrap())
        .filter(|l| !l.trim_start().starts_with("#!["))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names from `crate`, `super` or `self`, with `use`
/// groups expanded: `crate::{a::{b, c}, d}` gives `crate::a::b`,
/// `crate::a::c` and `crate::d`.
fn paths(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        let head = ["crate::", "super::", "self::"].into_iter().find(|h| rest.starts_with(h));
        match head {
            Some(_) if starts_word => {
                let end = expand(&chars, i, String::new(), &mut out);
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// Read one path (with groups) from `at`, prefixed by `prefix`; push the
/// full paths; return where it ends.
fn expand(chars: &[char], mut at: usize, prefix: String, out: &mut Vec<String>) -> usize {
    let mut path = prefix;
    loop {
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        if chars.get(at) == Some(&'{') {
            at += 1;
            loop {
                while chars.get(at).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    at += 1;
                }
                match chars.get(at) {
                    None => return at,
                    Some('}') => return at + 1,
                    _ => at = expand(chars, at, path.clone(), out),
                }
            }
        }
        let start = at;
        while chars.get(at).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            at += 1;
        }
        let word: String = chars[start..at].iter().collect();
        if word.is_empty() {
            out.push(path);
            return at;
        }
        if !path.is_empty() {
            path.push_str("::");
        }
        path.push_str(&word);
        if chars.get(at) == Some(&':') && chars.get(at + 1) == Some(&':') {
            at += 2;
        } else {
            out.push(path);
            return at;
        }
    }
}

/// `path` as seen from module `me`, resolved to segments from the root.
fn resolve(me: &str, path: &str) -> Vec<String> {
    let mut segs: Vec<String> = path.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = if me.is_empty() { Vec::new() } else { me.split("::").map(String::from).collect() };
    match segs.first().map(String::as_str) {
        Some("crate") => {
            segs.remove(0);
            segs
        }
        Some("self") => {
            segs.remove(0);
            base.extend(segs);
            base
        }
        _ => {
            while segs.first().map(String::as_str) == Some("super") {
                segs.remove(0);
                base.pop();
            }
            base.extend(segs);
            base
        }
    }
}

/// The root's re-exports: name -> the path it comes from (`pub use a::b::{C, D};`).
fn reexports(root: &str) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for stmt in code(root).split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else { continue };
        for full in paths(&format!("crate::{rest}")) {
            let segs = resolve("", &full);
            let name = segs.last().unwrap().clone();
            let name = name.rsplit(" as ").next().unwrap().to_string();
            names.insert(name, segs);
        }
    }
    names
}

/// The file modules each module uses (itself and its own submodules aside).
fn graph(sources: &Sources, exported: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let root_names = sources.get("").map(|r| reexports(r)).unwrap_or_default();
    let deepest = |segs: &[String]| -> Option<String> {
        (1..=segs.len()).rev().map(|n| segs[..n].join("::")).find(|m| sources.contains_key(m))
    };
    let mut out = BTreeMap::new();
    for (me, text) in sources.iter().filter(|(m, _)| !m.is_empty()) {
        let mut used = BTreeSet::new();
        for p in paths(&code(text)) {
            let mut segs = resolve(me, &p);
            if let Some(first) = segs.first() {
                if let Some(from) = root_names.get(first) {
                    let mut s = from.clone();
                    s.extend(segs.drain(1..));
                    segs = s;
                } else if exported.contains(&first.as_str()) {
                    continue; // a macro exported at the root (defined in `error`)
                }
            }
            if let Some(m) = deepest(&segs) {
                if m != *me && !m.starts_with(&format!("{me}::")) {
                    used.insert(m);
                }
            }
        }
        out.insert(me.clone(), used);
    }
    out
}

/// The first import cycle found, as the modules around it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for u in graph.get(m).into_iter().flatten() {
            match state.get(u) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == u).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(u.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(u, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if !state.contains_key(m) {
            if let Some(c) = visit(m, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap();
    LAYERS.iter().position(|l| l.contains(&top)).unwrap_or_else(|| panic!("module {top} has no layer"))
}

/// Every use of a layer above the user's own.
fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for (me, used) in graph {
        for u in used {
            if layer(u) > layer(me) {
                out.push(format!("{me} (layer {}) uses {u} (layer {}), a layer above it", layer(me), layer(u)));
            }
        }
    }
    out
}

#[test]
fn every_core_module_uses_only_its_layer_and_those_below() {
    let sources = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(sources.len() > 30, "the sources were read: {} files", sources.len());
    let g = graph(&sources, &["bail_arg"]);
    assert_eq!(violations(&g), Vec::<String>::new());
    assert_eq!(cycle(&g), None);
    // what the graph must see: a sibling through `super::`, a parent's item,
    // a root re-export resolved to its file
    assert!(g["simd::capped"].contains("simd::hashes"));
    assert!(g["simd::capped"].contains("simd"));
    assert!(g["ops::split"].contains("factorize::view"));
}

#[test]
fn no_two_binding_modules_use_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src");
    let sources = read_crate(&src);
    assert!(sources.len() > 15, "the bindings were read: {} files", sources.len());
    assert_eq!(cycle(&graph(&sources, &[])), None);
}

fn crate_of(files: &[(&str, &str)]) -> Sources {
    files.iter().map(|(m, c)| (m.to_string(), c.to_string())).collect()
}

#[test]
fn paths_are_read_as_the_compiler_resolves_them() {
    let got = paths("use crate::{a::{b, c}, d};\nfn f() { super::x::y(); self::z; notcrate::w; }");
    assert_eq!(got, ["crate::a::b", "crate::a::c", "crate::d", "super::x::y", "self::z"]);
    assert_eq!(resolve("simd::range", "super::super::ops::split"), ["ops", "split"]);
    assert_eq!(resolve("simd", "super::ops"), ["ops"]);
    assert_eq!(resolve("rank::regions", "self::x"), ["rank", "regions", "x"]);
}

#[test]
fn a_layer_violation_and_a_cycle_are_caught() {
    // simd::range reaches up to ops through `super::super`
    let up = crate_of(&[("", ""), ("simd", ""), ("simd::range", "use super::super::ops::split;"), ("ops::split", "")]);
    assert_eq!(violations(&graph(&up, &[])).len(), 1);
    // two siblings through `super::`
    let cyc = crate_of(&[
        ("", ""),
        ("simd", ""),
        ("simd::range", "use super::positions::append;"),
        ("simd::positions", "fn f() { super::range::min_max(); }"),
    ]);
    assert_eq!(cycle(&graph(&cyc, &[])).map(|c| c.len()), Some(3));
    // through a root re-export
    let via_root = crate_of(&[
        ("", "pub use exec::blocks::{gather, Block};"),
        ("column", "use crate::Block;"),
        ("exec::blocks", "use crate::column::Chunk;"),
    ]);
    let g = graph(&via_root, &[]);
    assert!(cycle(&g).is_some(), "{g:?}");
}
