//! The core's layers, checked from its sources: every module uses only its
//! own layer and the ones below it (the order of `LAYERS`), and no two files
//! use each other. Test modules and comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// From the bottom up; `lib.rs`'s table says what each holds.
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

fn layer(module: &str) -> usize {
    LAYERS.iter().position(|l| l.contains(&module)).unwrap_or_else(|| panic!("module {module} has no layer"))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code before its test module, without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The module path of a source file: `rank/regions.rs` is `rank::regions`.
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|&p| p != "mod").collect();
    parts.join("::")
}

/// The root's re-exported names and the module each comes from (`pub use a::b::{C, D};`).
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else { continue };
        let module = rest.split("::").next().unwrap().to_string();
        let tail = rest.rsplit_once("::").map_or(rest, |(_, t)| t);
        for name in tail.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.split(" as ").last().unwrap().trim();
            if !name.is_empty() && name != "self" {
                names.insert(name.to_string(), module.clone());
            }
        }
    }
    // the crate's one exported macro
    names.insert("bail_arg".to_string(), "error".to_string());
    names
}

/// Every `crate::...` path the code names, as module paths as deep as the
/// crate's files go (`crate::rank::regions::Rows` -> `rank::regions`).
fn uses(code: &str, roots: &BTreeMap<String, String>, files: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut push = |path: &str| {
        let segs: Vec<&str> = path.split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
        let Some(first) = segs.first() else { return };
        if let Some(module) = roots.get(*first) {
            out.insert(module.clone());
            return;
        }
        // the deepest prefix that is a file of the crate
        let mut best = first.to_string();
        for n in 2..=segs.len() {
            let prefix = segs[..n].join("::");
            if files.contains(&prefix) {
                best = prefix;
            }
        }
        out.insert(best);
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap()];
            inner.split(',').for_each(|p| push(p.trim()));
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            // a group after a module path (`crate::a::b::{C, D}`) names the module
            push(path);
        }
    }
    out
}

#[test]
fn every_module_uses_only_its_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    sources(&src, &mut paths);
    let files: BTreeSet<String> = paths.iter().map(|p| module_of(&src, p)).collect();
    let roots = root_names(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &paths {
        let module = module_of(&src, path);
        if module == "lib" {
            continue;
        }
        let top = module.split("::").next().unwrap().to_string();
        let mine = layer(&top);
        let used = uses(&code(path), &roots, &files);
        for u in &used {
            let theirs = layer(u.split("::").next().unwrap());
            assert!(theirs <= mine, "{module} (layer {mine}) uses {u} (layer {theirs}), a layer above it");
        }
        graph.insert(module, used.into_iter().collect());
    }
    // no two files use each other, directly or through others
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().filter(|u| *u != start).collect();
        while let Some(m) = stack.pop() {
            assert!(m != start, "{start} is in an import cycle");
            if seen.insert(m.clone()) {
                stack.extend(graph.get(m).into_iter().flatten().filter(|u| *u != m));
            }
        }
    }
    assert!(graph.len() > 30, "the sources were read: {} files", graph.len());
}
