//! Interaction callbacks and their webhook follow-ups (original response, follow-ups, edits).

use std::time::Instant;

use serde_json::{Value, json};

use studybot::limits;

use crate::{records::*, rest::*, state::*};

pub(crate) fn callback_route(cfg: &Cfg, st: &mut St, iid: &str, token: &str, body: &Value, files: &[FilePart]) -> Out {
    let path = format!("/interactions/{iid}/{token}/callback");
    let valid = st.interactions.get(token).is_some_and(|ix| Some(ix.id) == parse_id(iid));
    if !valid {
        return err(404, 10062, "Unknown interaction");
    }
    let kind = body["type"].as_u64().unwrap_or(0) as u8;
    let now = Instant::now();
    if let Some(o) = too_large(st, token, files) {
        return o;
    }
    if st.interactions[token].callback.is_some() {
        violation(st, "POST", path, "interaction acknowledged twice (Discord: 40060)", body);
        return err(400, 40060, "Interaction has already been acknowledged.");
    }
    let ix_kind = st.interactions[token].kind;
    let allowed: &[u8] = match ix_kind {
        2 => &[4, 5, 9, 10],
        3 => &[4, 5, 6, 7, 9, 10],
        4 => &[8],
        5 => &[4, 5, 6, 7],
        _ => &[],
    };
    if !allowed.contains(&kind) {
        violation(st, "POST", path, &format!("callback type {kind} is not valid for interaction type {ix_kind}"), body);
        return err(400, 50035, "Invalid Form Body");
    }
    if let Err(o) = check_or_invalid(limits::check_interaction_response(body)) {
        return o;
    }
    if matches!(kind, 4 | 7) {
        crate::rest::require_mentions(st, "POST", path.clone(), &body["data"]);
    }
    let data = body["data"].clone();
    let flags = data["flags"].as_u64().unwrap_or(0);
    let channel_id = st.interactions[token].channel_id;
    let message = match kind {
        4 => {
            let m = create_message(cfg, st, channel_id, &data, files, flags & 64, Origin::Interaction(token.into()));
            st.interactions.get_mut(token).unwrap().original = Some(id_of(&m));
            Some(m)
        }
        5 => {
            st.interactions.get_mut(token).unwrap().deferred_flags = flags;
            None
        }
        7 => {
            let src = st.interactions[token].source_message.clone().unwrap_or(Value::Null);
            let sid = id_of(&src);
            let mut m = st.messages.get(&sid).map(|s| s.msg.clone()).unwrap_or(src);
            apply_edit(st, &mut m, &data, files);
            if let Some(s) = st.messages.get_mut(&sid) {
                s.msg = m.clone();
            }
            st.interactions.get_mut(token).unwrap().source_message = Some(m.clone());
            Some(m)
        }
        _ => None,
    };
    let ix = st.interactions.get_mut(token).unwrap();
    ix.callback = Some((kind, data, now));
    ix.events.push(TokenEvent {
        kind: TokenEventKind::Callback(kind),
        at: now,
        status: 204,
        body: body.clone(),
        files: files.to_vec(),
        message,
    });
    Out::NoContent
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn webhook_route(
    cfg: &Cfg,
    st: &mut St,
    method: &str,
    app: &str,
    token: &str,
    rest: &[&str],
    body: &Value,
    files: &[FilePart],
) -> Out {
    let path = format!("/webhooks/{app}/{token}/{}", rest.join("/"));
    if parse_id(app) != Some(cfg.app_id) || !st.interactions.contains_key(token) {
        return err(404, 10015, "Unknown Webhook");
    }
    let now = Instant::now();
    if let Some(o) = too_large(st, token, files) {
        return o;
    }
    let Some((cb_kind, _, _)) = st.interactions[token].callback.clone() else {
        violation(st, method, path, "webhook request before the interaction was acknowledged", body);
        return err(404, 10015, "Unknown Webhook");
    };
    let channel_id = st.interactions[token].channel_id;
    let push = |st: &mut St, kind: TokenEventKind, status: u16, message: Option<Value>| {
        st.interactions.get_mut(token).unwrap().events.push(TokenEvent {
            kind,
            at: now,
            status,
            body: body.clone(),
            files: files.to_vec(),
            message,
        });
    };
    match (method, rest) {
        ("POST", []) => {
            if let Err(o) = check_or_invalid(limits::check_message(body)) {
                return o;
            }
            crate::rest::require_mentions(st, "POST", path.clone(), body);
            let ix = &st.interactions[token];
            // The first follow-up after a deferred message (type 5) fills the deferred original.
            let becomes_original = cb_kind == 5 && ix.original.is_none();
            let flags = if becomes_original {
                ix.deferred_flags & 64
            } else {
                body["flags"].as_u64().unwrap_or(0) & (64 | 4 | 4096)
            };
            let m = create_message(cfg, st, channel_id, body, files, flags, Origin::Interaction(token.into()));
            if becomes_original {
                st.interactions.get_mut(token).unwrap().original = Some(id_of(&m));
            }
            push(st, TokenEventKind::FollowUp, 200, Some(m.clone()));
            ok(m)
        }
        (m, ["messages", mid]) => {
            let original = *mid == "@original";
            let target: Option<u64> = if original {
                let ix = &st.interactions[token];
                match (ix.original, cb_kind) {
                    (Some(id), _) => Some(id),
                    (None, 6 | 7) => ix.source_message.as_ref().map(id_of),
                    _ => None,
                }
            } else {
                parse_id(mid)
            };
            match m {
                "GET" => match target.and_then(|id| st.messages.get(&id)).filter(|s| !s.deleted) {
                    Some(s) => ok(s.msg.clone()),
                    None => err(404, 10008, "Unknown Message"),
                },
                "PATCH" => {
                    if let Err(o) = check_or_invalid(limits::check_message(body)) {
                        return o;
                    }
                    crate::rest::require_mentions(st, "PATCH", path.clone(), body);
                    let kind = if original {
                        TokenEventKind::EditOriginal
                    } else {
                        TokenEventKind::EditFollowUp(target.unwrap_or(0))
                    };
                    let existing =
                        target.and_then(|id| st.messages.get(&id)).filter(|s| !s.deleted).map(|s| s.msg.clone());
                    let msg = match existing {
                        Some(mut msg) => {
                            apply_edit(st, &mut msg, body, files);
                            st.messages.get_mut(&id_of(&msg)).unwrap().msg = msg.clone();
                            msg
                        }
                        None if original && cb_kind == 5 => {
                            // Editing the deferred "thinking" message creates the original.
                            let flags = st.interactions[token].deferred_flags & 64;
                            let msg = create_message(
                                cfg,
                                st,
                                channel_id,
                                body,
                                files,
                                flags,
                                Origin::Interaction(token.into()),
                            );
                            st.interactions.get_mut(token).unwrap().original = Some(id_of(&msg));
                            msg
                        }
                        None if original && matches!(cb_kind, 6 | 7) => {
                            // The component's message is not one the fake stored: edit a copy.
                            let mut msg = st.interactions[token].source_message.clone().unwrap_or(json!({}));
                            apply_edit(st, &mut msg, body, files);
                            st.interactions.get_mut(token).unwrap().source_message = Some(msg.clone());
                            msg
                        }
                        None => return err(404, 10008, "Unknown Message"),
                    };
                    push(st, kind, 200, Some(msg.clone()));
                    ok(msg)
                }
                "DELETE" => {
                    let Some(s) = target.and_then(|id| st.messages.get_mut(&id)).filter(|s| !s.deleted) else {
                        return err(404, 10008, "Unknown Message");
                    };
                    s.deleted = true;
                    let kind = if original {
                        TokenEventKind::DeleteOriginal
                    } else {
                        TokenEventKind::DeleteFollowUp(target.unwrap_or(0))
                    };
                    push(st, kind, 204, None);
                    Out::NoContent
                }
                _ => Out::Unhandled,
            }
        }
        _ => Out::Unhandled,
    }
}

/// Discord: a file over the interaction's `attachment_size_limit` is refused with 413 / 40005.
fn too_large(st: &St, token: &str, files: &[FilePart]) -> Option<Out> {
    let limit = st.interactions.get(token)?.attachment_limit;
    files.iter().any(|f| f.bytes.len() as u64 > limit).then(|| err(413, 40005, "Request entity too large"))
}
