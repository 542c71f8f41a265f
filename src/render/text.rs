//! Plain-text view of a message body, for `studybot preview` without `--json`.

use serde_json::Value;

/// Renders a create-message JSON body as readable text: content, embeds, buttons.
pub fn message_to_text(msg: &Value) -> String {
    let mut out = String::new();
    if let Some(c) = msg["content"].as_str() {
        out.push_str(c);
        out.push_str("\n\n");
    }
    for e in msg["embeds"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(a) = e["author"]["name"].as_str() {
            out.push_str(&format!("[{a}]\n"));
        }
        if let Some(t) = e["title"].as_str() {
            out.push_str(&format!("== {t} ==\n"));
        }
        if let Some(d) = e["description"].as_str() {
            out.push_str(d);
            out.push('\n');
        }
        for f in e["fields"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            out.push_str(&format!("\n{}\n{}\n", f["name"].as_str().unwrap_or(""), f["value"].as_str().unwrap_or("")));
        }
        if let Some(t) = e["footer"]["text"].as_str() {
            out.push_str(&format!("\n({t})\n"));
        }
        out.push('\n');
    }
    for row in msg["components"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let labels: Vec<String> = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|b| format!("[ {} ]", b["label"].as_str().unwrap_or("?")))
            .collect();
        out.push_str(&labels.join(" "));
        out.push('\n');
    }
    out
}
