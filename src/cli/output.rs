//! What the CLI does with an answer: paths into it (`Instances.Instance[0].Status`), aliyun-CLI
//! style tables (`--output cols=A,B rows=Path[]`), and merging pages (`--pager`).

use serde_json::Value;

/// Follows a dotted path; `Name[N]` indexes a list, `Name[]` (only as the last step) keeps it.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = value;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, index) = match step.split_once('[') {
            Some((name, rest)) => (name, Some(rest.trim_end_matches(']'))),
            None => (step, None),
        };
        if !name.is_empty() {
            current = current.get(name)?;
        }
        match index {
            Some("") | None => {}
            Some(n) => current = current.get(n.parse::<usize>().ok()?)?,
        }
    }
    Some(current)
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A table of the rows at `rows` (a list) with the fields `cols` of each.
pub fn table(answer: &Value, cols: &[String], rows: &str) -> Result<String, String> {
    let items = lookup(answer, rows)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("rows={rows} is not a list in the answer"))?;
    let cells: Vec<Vec<String>> = items
        .iter()
        .map(|item| cols.iter().map(|c| cell(lookup(item, c))).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .fold(c.chars().count(), usize::max)
        })
        .collect();
    let line = |values: Vec<String>| {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(cols.to_vec()),
        line(widths.iter().map(|w| "-".repeat(*w)).collect()),
    ];
    out.extend(cells.into_iter().map(line));
    Ok(out.join("\n") + "\n")
}

/// The list a paged Describe answer carries: the one array inside its `…s.…` wrapper
/// (`NetworkInterfaceSets.NetworkInterfaceSet`), or the one at `path`.
pub fn page_items_path(answer: &Value, path: Option<&str>) -> Option<String> {
    if let Some(path) = path {
        return Some(path.trim_end_matches("[]").to_string());
    }
    let object = answer.as_object()?;
    object.iter().find_map(|(outer, wrapper)| {
        let (inner, list) = wrapper.as_object()?.iter().next()?;
        list.is_array().then(|| format!("{outer}.{inner}"))
    })
}

/// Appends the items of `page` at `path` to those of `merged`.
pub fn append_items(merged: &mut Value, page: &Value, path: &str) {
    let Some(items) = lookup(page, path).and_then(Value::as_array).cloned() else {
        return;
    };
    let mut target = merged;
    for step in path.split('.') {
        target = &mut target[step];
    }
    if let Some(list) = target.as_array_mut() {
        list.extend(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer() -> Value {
        json!({"TotalCount": 2, "Instances": {"Instance": [
            {"InstanceId": "i-1", "Status": "Running", "VpcAttributes": {"VpcId": "vpc-1"}},
            {"InstanceId": "i-22", "Status": "Stopped", "VpcAttributes": {"VpcId": "vpc-1"}}
        ]}})
    }

    #[test]
    fn paths() {
        let a = answer();
        assert_eq!(
            lookup(&a, "Instances.Instance[1].Status"),
            Some(&json!("Stopped"))
        );
        assert_eq!(
            lookup(&a, "Instances.Instance[0].VpcAttributes.VpcId"),
            Some(&json!("vpc-1"))
        );
        assert!(lookup(&a, "Instances.Instance[]").unwrap().is_array());
        assert_eq!(lookup(&a, "Instances.Instance[5]"), None);
        assert_eq!(lookup(&a, "Nope"), None);
    }

    #[test]
    fn tables_align_their_columns() {
        let cols = vec!["InstanceId".to_string(), "Status".to_string()];
        let out = table(&answer(), &cols, "Instances.Instance[]").unwrap();
        assert_eq!(
            out,
            "InstanceId | Status\n---------- | -------\ni-1        | Running\ni-22       | Stopped\n"
        );
        assert!(table(&answer(), &cols, "TotalCount").is_err());
    }

    #[test]
    fn pages_merge_at_the_wrapped_list() {
        let mut merged = answer();
        let path = page_items_path(&merged, None).unwrap();
        assert_eq!(path, "Instances.Instance");
        append_items(&mut merged, &answer(), &path);
        assert_eq!(
            lookup(&merged, "Instances.Instance")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }
}
