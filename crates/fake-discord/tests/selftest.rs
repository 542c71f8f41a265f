//! Self-tests of the fake Discord harness (this crate), driven by a tiny
//! inline poise bot (not studybot's bot).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fake_discord::*;
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(5);
/// Discord's deadline for an interaction callback.
const DEADLINE: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------------------------------------
// The tiny bot
// ---------------------------------------------------------------------------------------------

struct Data;
type Error = Box<dyn std::error::Error + Send + Sync>;
type Ctx<'a> = poise::Context<'a, Data, Error>;

/// Replies "pong", ephemeral.
#[poise::command(slash_command)]
async fn ping(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.send(poise::CreateReply::default().content("pong").ephemeral(true)).await?;
    Ok(())
}

/// Defers (ephemeral), then follows up.
#[poise::command(slash_command)]
async fn slow(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    ctx.say("done slowly").await?;
    Ok(())
}

async fn topic_names(_ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = ["raft", "paxos", "gossip", "crdt", "rpc"]
        .into_iter()
        .filter(|t| t.starts_with(partial))
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Echoes every option type.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command)]
async fn topic(
    ctx: Ctx<'_>,
    #[description = "Topic"]
    #[autocomplete = "topic_names"]
    name: String,
    #[description = "How many"] count: Option<i64>,
    #[description = "Who"] who: Option<serenity::User>,
    #[description = "Where"] place: Option<serenity::Channel>,
    #[description = "Role"] role: Option<serenity::Role>,
    #[description = "Flag"] flag: Option<bool>,
    #[description = "Ratio"] ratio: Option<f64>,
) -> Result<(), Error> {
    let text = format!(
        "name={name} count={count:?} who={:?} place={:?} role={:?} flag={flag:?} ratio={ratio:?}",
        who.map(|u| u.name),
        place.map(|c| c.id().get()),
        role.map(|r| r.name),
    );
    ctx.say(text).await?;
    Ok(())
}

/// Admin commands.
#[poise::command(slash_command, subcommands("admin_config"))]
async fn admin(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Configuration.
#[poise::command(slash_command, rename = "config", subcommands("admin_config_set"))]
async fn admin_config(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Sets a value (needs MANAGE_GUILD).
#[poise::command(slash_command, rename = "set")]
async fn admin_config_set(
    ctx: Ctx<'_>,
    #[description = "Key"] key: String,
    #[description = "Value"] value: String,
) -> Result<(), Error> {
    let perms = ctx.author_member().await.and_then(|m| m.permissions).unwrap_or_default();
    let text = if perms.manage_guild() { format!("set {key}={value}") } else { "not allowed".to_string() };
    ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

/// A message with a button and a select menu.
#[poise::command(slash_command)]
async fn buttons(ctx: Ctx<'_>) -> Result<(), Error> {
    let options = vec![
        serenity::CreateSelectMenuOption::new("Raft", "raft"),
        serenity::CreateSelectMenuOption::new("Paxos", "paxos"),
    ];
    ctx.send(poise::CreateReply::default().content("choose").components(vec![
        serenity::CreateActionRow::Buttons(vec![serenity::CreateButton::new("yes").label("Yes")]),
        serenity::CreateActionRow::SelectMenu(serenity::CreateSelectMenu::new(
            "pick",
            serenity::CreateSelectMenuKind::String { options },
        )),
    ]))
    .await?;
    Ok(())
}

#[derive(Debug, poise::Modal)]
#[name = "Feedback"]
struct FeedbackModal {
    #[name = "Your feedback"]
    text: String,
}

/// Opens a modal, then thanks.
#[poise::command(slash_command)]
async fn feedback(ctx: poise::ApplicationContext<'_, Data, Error>) -> Result<(), Error> {
    use poise::Modal as _;
    let Some(m) = FeedbackModal::execute_with_defaults(ctx, FeedbackModal { text: String::new() }).await? else {
        return Ok(());
    };
    poise::Context::Application(ctx).say(format!("thanks: {}", m.text)).await?;
    Ok(())
}

/// Posts an embed whose field is over Discord's 1024 limit (serenity does not check it).
#[poise::command(slash_command)]
async fn toolong(ctx: Ctx<'_>) -> Result<(), Error> {
    let embed = serenity::CreateEmbed::new().title("big").field("f", "v".repeat(1500), false);
    let r = ctx.channel_id().send_message(ctx, serenity::CreateMessage::new().embed(embed)).await;
    let text = match r {
        Ok(_) => "posted".to_string(),
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e))) => {
            format!("rejected {} {}", e.status_code.as_u16(), e.error.code)
        }
        Err(e) => format!("error {e}"),
    };
    ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

async fn on_event(fw: poise::FrameworkContext<'_, Data, Error>, event: &serenity::FullEvent) -> Result<(), Error> {
    let ctx = fw.serenity_context;
    use serenity::{CreateInteractionResponse as R, CreateInteractionResponseMessage as M};
    if let serenity::FullEvent::InteractionCreate { interaction: serenity::Interaction::Component(ci) } = event {
        match (&ci.data.custom_id[..], &ci.data.kind) {
            ("yes", _) => {
                let m = M::new().content(format!("clicked by {}", ci.user.name)).components(vec![]);
                ci.create_response(ctx, R::UpdateMessage(m)).await?;
            }
            ("pick", serenity::ComponentInteractionDataKind::StringSelect { values }) => {
                let m = M::new().content(format!("picked {}", values.join(","))).ephemeral(true);
                ci.create_response(ctx, R::Message(m)).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Counts gateway events serenity could not parse (they become `Event::Unknown` and no handler
/// fires): every test asserts it stays 0.
struct UnknownEvents(Arc<AtomicUsize>);

#[serenity::async_trait]
impl serenity::RawEventHandler for UnknownEvents {
    async fn raw_event(&self, _ctx: serenity::Context, ev: serenity::Event) {
        if let serenity::Event::Unknown(u) = ev {
            eprintln!("unknown gateway event: {u:?}");
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

struct Bot {
    task: tokio::task::JoinHandle<()>,
    unknown: Arc<AtomicUsize>,
}

impl Bot {
    fn assert_all_events_understood(&self) {
        assert_eq!(self.unknown.load(Ordering::SeqCst), 0, "serenity got Event::Unknown");
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the tiny bot with `http`; it registers its commands in the default guild on READY.
fn start_bot(http: serenity::Http) -> Bot {
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![ping(), slow(), topic(), admin(), buttons(), feedback(), toolong()],
            event_handler: |fw, ev| Box::pin(on_event(fw, ev)),
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                let guild = serenity::GuildId::new(defaults::GUILD);
                poise::builtins::register_in_guild(ctx, &framework.options().commands, guild).await?;
                Ok(Data)
            })
        })
        .build();
    let unknown = Arc::new(AtomicUsize::new(0));
    let raw = UnknownEvents(unknown.clone());
    let task = tokio::spawn(async move {
        let mut client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::non_privileged())
            .framework(framework)
            .raw_event_handler(raw)
            .await
            .expect("client");
        let _ = client.start().await;
    });
    Bot { task, unknown }
}

async fn bot_ready(fake: &FakeDiscord, http: serenity::Http) -> Bot {
    let bot = start_bot(http);
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    bot
}

async fn ping_ok(fake: &FakeDiscord) {
    let h = fake.slash(Slash::new("ping")).await;
    let r = h.wait_reply(T).await;
    assert_eq!(r.content, "pong");
    assert!(r.ephemeral);
    assert!(r.latency < DEADLINE, "{:?}", r.latency);
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn assert_dispatch(t: &str, d: &Value) {
    let frame = json!({"op": 0, "s": 1, "t": t, "d": d});
    match serde_json::from_value::<serenity::GatewayEvent>(frame) {
        Ok(serenity::GatewayEvent::Dispatch(1, ev)) => {
            assert_eq!(ev.name().as_deref(), Some(t), "{t} became {ev:?}")
        }
        other => panic!("{t}: {other:?}"),
    }
}

fn interaction(h: &InteractionHandle) -> serenity::Interaction {
    assert_dispatch("INTERACTION_CREATE", &h.payload);
    serde_json::from_value(h.payload.clone()).unwrap_or_else(|e| panic!("{e}: {}", h.payload))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_deserialize_into_serenity_types() {
    let threads = 7300;
    let fake = FakeDiscord::builder()
        .no_default_guild()
        .guild(GuildSpec::default_test_guild().role(threads, "Threads", perms::CREATE_PRIVATE_THREADS).member(
            defaults::BOT_USER,
            defaults::BOT_NAME,
            &[threads],
        ))
        .guild(
            GuildSpec::new(7000, "Second Guild")
                .owner(7001)
                .channel(ChannelSpec::category(7100, "study"))
                .channel(ChannelSpec::text(7101, "room").parent(7100).topic("t"))
                .channel(ChannelSpec::voice(7102, "voice"))
                .channel(ChannelSpec::forum(7103, "forum"))
                .channel(ChannelSpec::announcement(7104, "news").no_permission())
                .role(7200, "Admin", perms::ADMINISTRATOR)
                .member(7001, "carol", &[7200]),
        )
        .start()
        .await;

    // Gateway payloads.
    let ready = fake.ready_payload();
    assert_dispatch("READY", &ready);
    let r: serenity::Ready = serde_json::from_value(ready).unwrap();
    assert_eq!(r.user.id.get(), defaults::BOT_USER);
    assert_eq!(r.guilds.len(), 2);
    for g in fake.guild_create_payloads() {
        assert_dispatch("GUILD_CREATE", &g);
        let g: serenity::GuildCreateEvent = serde_json::from_value(g).unwrap();
        assert!(!g.guild.channels.is_empty() && g.guild.roles.len() >= 2, "{:?}", g.guild.name);
        assert!(g.guild.members.contains_key(&serenity::UserId::new(defaults::BOT_USER)));
    }
    let hello: serenity::GatewayEvent =
        serde_json::from_value(json!({"op": 10, "d": {"heartbeat_interval": 1000}})).unwrap();
    assert!(matches!(hello, serenity::GatewayEvent::Hello(1000)));
    assert_dispatch("RESUMED", &json!({"_trace": ["fake-discord"]}));
    let app: serenity::CurrentApplicationInfo = serde_json::from_value(fake.application_payload()).unwrap();
    assert_eq!(app.id.get(), defaults::APPLICATION);

    // Interactions (no bot connected: they are queued, which is fine here).
    let cmd = Slash::new("topic")
        .string("name", "raft")
        .integer("count", 3)
        .number("ratio", 0.5)
        .boolean("flag", true)
        .user("who", defaults::ALICE)
        .channel("place", defaults::GENERAL)
        .role("role", defaults::MODERATOR_ROLE)
        .by(&fake.moderator());
    let h = fake.slash(cmd).await;
    let serenity::Interaction::Command(c) = interaction(&h) else { panic!("not a command") };
    assert_eq!(c.data.name, "topic");
    assert_eq!(c.data.options.len(), 7);
    assert_eq!(c.user.id.get(), defaults::ALICE);
    let m = c.member.as_ref().unwrap();
    assert!(m.permissions.unwrap().manage_guild());
    let r = &c.data.resolved;
    assert!(r.users.contains_key(&serenity::UserId::new(defaults::ALICE)));
    assert!(r.members.contains_key(&serenity::UserId::new(defaults::ALICE)));
    assert!(r.channels.contains_key(&serenity::ChannelId::new(defaults::GENERAL)));
    assert_eq!(r.roles[&serenity::RoleId::new(defaults::MODERATOR_ROLE)].name, "Moderator");

    let h = fake.slash(Slash::new("admin").group("config").sub("set").string("key", "k").by(&fake.member())).await;
    let serenity::Interaction::Command(c) = interaction(&h) else { panic!() };
    assert!(!c.member.unwrap().permissions.unwrap().manage_guild());
    let h = fake.slash(Slash::new("ping").by(&Invoker::new(42, "dave").dm())).await;
    let serenity::Interaction::Command(c) = interaction(&h) else { panic!() };
    assert!(c.guild_id.is_none() && c.member.is_none() && c.user.id.get() == 42);

    let h = fake.autocomplete(Slash::new("topic").focused("name", "ra")).await;
    let serenity::Interaction::Autocomplete(a) = interaction(&h) else { panic!() };
    assert_eq!(a.data.autocomplete().unwrap().value, "ra");

    // Component and modal interactions need a message: make one over REST (which also proves
    // that the Message the fake returns deserializes).
    let http = fake.proxy_http();
    let msg = serenity::ChannelId::new(defaults::GENERAL)
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .content("hi")
                .embed(
                    serenity::CreateEmbed::new()
                        .title("t")
                        .field("a", "b", true)
                        .footer(serenity::CreateEmbedFooter::new("f")),
                )
                .components(vec![
                    serenity::CreateActionRow::Buttons(vec![
                        serenity::CreateButton::new("b1").label("B"),
                        serenity::CreateButton::new_link("https://example.com").label("L"),
                    ]),
                    serenity::CreateActionRow::SelectMenu(serenity::CreateSelectMenu::new(
                        "s1",
                        serenity::CreateSelectMenuKind::String {
                            options: vec![serenity::CreateSelectMenuOption::new("A", "a")],
                        },
                    )),
                ]),
        )
        .await
        .unwrap();
    assert_eq!(msg.components.len(), 2);
    let msg_json = fake.message(msg.id.get()).unwrap();
    let back: serenity::Message = serde_json::from_value(msg_json.clone()).unwrap();
    assert_eq!(back.embeds[0].fields[0].value, "b");

    let h = fake.click_button(&fake.member(), &msg_json, "b1").await;
    let serenity::Interaction::Component(ci) = interaction(&h) else { panic!() };
    assert_eq!(ci.data.custom_id, "b1");
    assert!(matches!(ci.data.kind, serenity::ComponentInteractionDataKind::Button));
    assert_eq!(ci.message.id, msg.id);
    let h = fake.select(&fake.member(), &msg_json, "s1", &["a"]).await;
    let serenity::Interaction::Component(ci) = interaction(&h) else { panic!() };
    assert!(
        matches!(&ci.data.kind, serenity::ComponentInteractionDataKind::StringSelect { values } if values == &["a"])
    );
    let h = fake.submit_modal(&fake.member(), "m1", &[("f1", "hello"), ("f2", "world")]).await;
    let serenity::Interaction::Modal(mi) = interaction(&h) else { panic!() };
    assert_eq!(mi.data.components.len(), 2);

    // REST objects the fake returns (serenity deserializes each response).
    let me = http.get_current_user().await.unwrap();
    assert_eq!(me.id.get(), defaults::BOT_USER);
    let _app = http.get_current_application_info().await.unwrap();
    for id in [defaults::GENERAL, 7100, 7101, 7102, 7103, 7104] {
        let serenity::Channel::Guild(c) = http.get_channel(serenity::ChannelId::new(id)).await.unwrap() else {
            panic!()
        };
        assert_eq!(c.id.get(), id);
    }
    let dm = serenity::UserId::new(defaults::BOB).create_dm_channel(&http).await.unwrap();
    assert_eq!(dm.recipient.id.get(), defaults::BOB);
    let serenity::Channel::Private(_) = http.get_channel(dm.id).await.unwrap() else { panic!() };
    let g = http.get_guild(serenity::GuildId::new(defaults::GUILD)).await.unwrap();
    assert_eq!(g.name, "Test Guild");
    let m =
        http.get_member(serenity::GuildId::new(defaults::GUILD), serenity::UserId::new(defaults::ALICE)).await.unwrap();
    assert_eq!(m.roles, vec![serenity::RoleId::new(defaults::MODERATOR_ROLE)]);
    assert_eq!(http.get_guild_roles(serenity::GuildId::new(7000)).await.unwrap().len(), 2);
    assert_eq!(http.get_channels(serenity::GuildId::new(7000)).await.unwrap().len(), 5);
    let ms = http.get_messages(serenity::ChannelId::new(defaults::GENERAL), None, Some(10)).await.unwrap();
    assert_eq!(ms.len(), 1);
    let thread = serenity::ChannelId::new(defaults::GENERAL)
        .create_thread_from_message(&http, msg.id, serenity::CreateThread::new("talk"))
        .await
        .unwrap();
    assert_eq!(thread.id.get(), msg.id.get());
    // Discord: a message has at most one thread (160004, "A thread has already been created").
    let again = serenity::ChannelId::new(defaults::GENERAL)
        .create_thread_from_message(&http, msg.id, serenity::CreateThread::new("talk again"))
        .await
        .unwrap_err();
    match again {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            assert_eq!((r.status_code.as_u16(), r.error.code), (400, 160004))
        }
        other => panic!("expected 160004, got {other:?}"),
    }
    let thread2 = serenity::ChannelId::new(defaults::GENERAL)
        .create_thread(&http, serenity::CreateThread::new("private").kind(serenity::ChannelType::PrivateThread))
        .await
        .unwrap();
    assert_eq!(thread2.kind, serenity::ChannelType::PrivateThread);
    let post = serenity::ChannelId::new(7103)
        .create_forum_post(&http, serenity::CreateForumPost::new("q", serenity::CreateMessage::new().content("body")))
        .await
        .unwrap();
    assert_eq!(post.parent_id.map(|p| p.get()), Some(7103));
    assert_eq!(fake.threads().len(), 3);
    assert_eq!(fake.channel_messages(post.id.get())[0]["content"], "body");

    let cmds = serenity::GuildId::new(defaults::GUILD)
        .set_commands(&http, vec![serenity::CreateCommand::new("hello").description("Say hello")])
        .await
        .unwrap();
    assert_eq!(cmds[0].name, "hello");
    assert_eq!(fake.commands_in(Some(defaults::GUILD)).len(), 1);
    let global =
        serenity::Command::set_global_commands(&http, vec![serenity::CreateCommand::new("g").description("G")])
            .await
            .unwrap();
    assert_eq!(global.len(), 1);
    assert_eq!(fake.registered_commands().unwrap()[0]["name"], "g");
    fake.finish();
}

// ---------------------------------------------------------------------------------------------
// Proxy mode: every interaction kind
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poise_bot_in_proxy_mode_answers_every_interaction_kind() {
    let fake = FakeDiscord::start().await;
    let bot = bot_ready(&fake, fake.proxy_http()).await;

    // Registration was recorded and checked against the limits.
    let put = fake.registered_commands().unwrap();
    let names: Vec<&str> = put.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ping", "slow", "topic", "admin", "buttons", "feedback", "toolong"]);
    assert!(
        fake.requests_to(
            "PUT",
            &format!("/applications/{}/guilds/{}/commands", defaults::APPLICATION, defaults::GUILD)
        )
        .len()
            == 1
    );
    assert_eq!(fake.gateway_queries()[0], "v=10");

    // Ephemeral reply.
    ping_ok(&fake).await;

    // Deferral then follow-up: the follow-up is the visible (ephemeral) reply.
    let h = fake.slash(Slash::new("slow")).await;
    let r = h.wait_reply(T).await;
    assert_eq!(
        (r.callback_type, r.kind.clone(), r.content.as_str(), r.ephemeral),
        (5, ReplyKind::FollowUp, "done slowly", true)
    );
    assert!(r.latency < DEADLINE && r.reply_latency >= Duration::from_millis(200), "{r:?}");

    // Autocomplete.
    let h = fake.autocomplete(Slash::new("topic").focused("name", "r")).await;
    let choices = h.wait_choices(T).await;
    let names: Vec<&str> = choices.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["raft", "rpc"]);

    // Every option type, resolved by poise.
    let h = fake
        .slash(
            Slash::new("topic")
                .string("name", "raft")
                .integer("count", 3)
                .user("who", defaults::ALICE)
                .channel("place", defaults::GENERAL)
                .role("role", defaults::MODERATOR_ROLE)
                .boolean("flag", true)
                .number("ratio", 0.5),
        )
        .await;
    let r = h.wait_reply(T).await;
    assert_eq!(
        r.content,
        "name=raft count=Some(3) who=Some(\"alice\") place=Some(4000) role=Some(\"Moderator\") flag=Some(true) ratio=Some(0.5)"
    );
    assert!(!r.ephemeral);

    // Subcommand group; moderator vs member permissions.
    let set =
        |who: &Invoker| Slash::new("admin").group("config").sub("set").string("key", "k").string("value", "v").by(who);
    let r = fake.slash(set(&fake.moderator())).await.wait_reply(T).await;
    assert_eq!(r.content, "set k=v");
    let r = fake.slash(set(&fake.member())).await.wait_reply(T).await;
    assert_eq!(r.content, "not allowed");

    // Button click updates the message (type 7); select answers with a new message.
    let r = fake.slash(Slash::new("buttons")).await.wait_reply(T).await;
    assert_eq!(r.custom_ids(), ["yes", "pick"]);
    let click = fake.click_button(&fake.member(), &r.message, "yes").await.wait_reply(T).await;
    assert_eq!((click.kind, click.content.as_str()), (ReplyKind::CallbackUpdate, "clicked by bob"));
    assert!(click.components.is_empty());
    let stored = fake.message(crate_id(&r.message)).unwrap();
    assert_eq!(stored["content"], "clicked by bob");
    let pick = fake.select(&fake.member(), &r.message, "pick", &["paxos"]).await.wait_reply(T).await;
    assert_eq!((pick.content.as_str(), pick.ephemeral), ("picked paxos", true));

    // Modal: open, submit, acknowledged, then a follow-up on the command.
    let h = fake.slash(Slash::new("feedback")).await;
    let modal = h.wait_modal(T).await;
    assert_eq!(modal.title, "Feedback");
    assert_eq!(modal.input_ids(), ["text"]);
    let sub = fake.submit_modal(&fake.member(), &modal.custom_id, &[("text", "great")]).await;
    assert_eq!(sub.wait_callback(T).await.kind, 6);
    let replies = h.wait_replies(1, T).await;
    assert_eq!(replies[0].content, "thanks: great");

    // Visible channel history: non-ephemeral replies only.
    let visible: Vec<String> =
        fake.channel_messages(defaults::GENERAL).iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
    assert!(visible.contains(&"clicked by bob".to_string()) && !visible.contains(&"pong".to_string()), "{visible:?}");
    bot.assert_all_events_understood();
    fake.finish();
}

fn crate_id(m: &Value) -> u64 {
    m["id"].as_str().unwrap().parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// HTTPS mode with serenity's ratelimiter
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_mode_serenity_ratelimiter_retries_after_429() {
    let fake = FakeDiscord::start().await;
    let bot = bot_ready(&fake, fake.tls_http()).await;
    assert!(fake.requests().iter().all(|r| r.tls), "every request went over TLS");
    assert_eq!(fake.requests()[0].headers.get("host").map(String::as_str), Some("discord.com"));

    // 429 on the interaction callback: serenity waits retry_after and retries.
    fake.inject(Fault::rate_limit("POST", "/interactions/"));
    ping_ok(&fake).await;
    assert_eq!(fake.count_429(), 1);
    let cbs = fake.requests_to("POST", "/interactions/");
    assert_eq!(cbs.iter().map(|r| r.status).collect::<Vec<_>>(), [429, 204]);
    assert!(cbs[1].at.duration_since(cbs[0].at) >= Duration::from_millis(250), "waited retry_after");

    // 429 on the follow-up route.
    fake.inject(Fault::rate_limit("POST", "/webhooks/"));
    let r = fake.slash(Slash::new("slow")).await.wait_reply(T).await;
    assert_eq!(r.content, "done slowly");
    assert_eq!(fake.count_429(), 2);
    bot.assert_all_events_understood();
    fake.finish();
}

// ---------------------------------------------------------------------------------------------
// Gateway drops
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dropped_gateway_connections_are_survived() {
    let fake = FakeDiscord::start().await;
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    ping_ok(&fake).await;

    // Resumable close: the bot RESUMEs; a command sent while it is away is replayed.
    fake.drop_gateway().await;
    let h = fake.slash(Slash::new("ping")).await;
    fake.wait_gateway_sessions(2, T).await;
    assert_eq!(h.wait_reply(T).await.content, "pong");
    ping_ok(&fake).await;

    // Abrupt TCP close.
    fake.drop_gateway_with(GatewayDrop::Abrupt).await;
    fake.wait_gateway_sessions(3, T).await;
    ping_ok(&fake).await;

    // Op 7 RECONNECT.
    fake.drop_gateway_with(GatewayDrop::Reconnect).await;
    fake.wait_gateway_sessions(4, T).await;
    ping_ok(&fake).await;

    let s = fake.gateway_stats();
    assert_eq!((s.identifies, s.resumed), (1, 3), "{s:?}");
    bot.assert_all_events_understood();
    fake.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_session_makes_the_bot_identify_again() {
    let fake = FakeDiscord::start().await;
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    fake.drop_gateway_with(GatewayDrop::InvalidSession).await;
    let h = fake.slash(Slash::new("ping")).await;
    // serenity waits up to 5 s between shard boots before identifying again.
    fake.wait_gateway_sessions(2, Duration::from_secs(10)).await;
    assert_eq!(h.wait_reply(T).await.content, "pong");
    let s = fake.gateway_stats();
    assert_eq!((s.identifies, s.invalid_sessions), (2, 1), "{s:?}");
    ping_ok(&fake).await;
    bot.assert_all_events_understood();
    fake.finish();
}

// ---------------------------------------------------------------------------------------------
// REST semantics
// ---------------------------------------------------------------------------------------------

fn http_error(e: serenity::Error) -> (u16, isize) {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => (r.status_code.as_u16(), r.error.code),
        e => panic!("not an HTTP error: {e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_semantics_nonce_permissions_dms_faults() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let general = serenity::ChannelId::new(defaults::GENERAL);

    // nonce + enforce_nonce: the second send returns the first message.
    let send = || {
        serenity::CreateMessage::new().content("once").nonce(serenity::Nonce::String("n-1".into())).enforce_nonce(true)
    };
    let a = general.send_message(&http, send()).await.unwrap();
    let b = general.send_message(&http, send()).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(fake.channel_posts(defaults::GENERAL).len(), 1);
    // Without enforce_nonce a new message is created.
    let c = general
        .send_message(
            &http,
            serenity::CreateMessage::new().content("once").nonce(serenity::Nonce::String("n-1".into())),
        )
        .await
        .unwrap();
    assert_ne!(a.id, c.id);
    // Discord caps nonces at 25 characters.
    let long = serenity::CreateMessage::new().content("x").nonce(serenity::Nonce::String("n".repeat(26)));
    assert_eq!(http_error(general.send_message(&http, long).await.unwrap_err()), (400, 50035));
    assert_eq!(fake.take_violations()[0].problems, ["nonce is 26 long, the limit is 25"]);

    // Permissions / unknown channel.
    let e = serenity::ChannelId::new(defaults::READONLY).say(&http, "x").await.unwrap_err();
    assert_eq!(http_error(e), (403, 50013));
    let e = serenity::ChannelId::new(999).say(&http, "x").await.unwrap_err();
    assert_eq!(http_error(e), (404, 10003));

    // Edit and delete.
    let edited = general.edit_message(&http, a.id, serenity::EditMessage::new().content("twice")).await.unwrap();
    assert_eq!(edited.content, "twice");
    assert!(edited.edited_timestamp.is_some());
    general.delete_message(&http, c.id).await.unwrap();
    assert_eq!(fake.channel_posts(defaults::GENERAL).len(), 1);

    // Attachments (multipart).
    let m = general
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .content("file")
                .add_file(serenity::CreateAttachment::bytes(b"hello".to_vec(), "notes.txt")),
        )
        .await
        .unwrap();
    assert_eq!((m.attachments[0].filename.as_str(), m.attachments[0].size), ("notes.txt", 5));
    let rec = fake.requests_to("POST", "/channels/4000/messages").pop().unwrap();
    assert_eq!(rec.body["content"], "file");
    assert_eq!((rec.files[0].filename.as_deref(), &rec.files[0].bytes[..]), (Some("notes.txt"), &b"hello"[..]));

    // DMs, recorded per user; closed DMs.
    let dm = serenity::UserId::new(defaults::ALICE).create_dm_channel(&http).await.unwrap();
    dm.say(&http, "psst").await.unwrap();
    assert_eq!(fake.dm_messages(defaults::ALICE)[0]["content"], "psst");
    fake.close_dms(defaults::BOB);
    let dm = serenity::UserId::new(defaults::BOB).create_dm_channel(&http).await.unwrap();
    assert_eq!(http_error(dm.say(&http, "x").await.unwrap_err()), (403, 50007));

    // Faults: server errors, and 429 surfacing as an error when serenity's ratelimiter is off.
    fake.inject(Fault::server_error("POST", "/channels/4000/messages").times(2));
    assert_eq!(http_error(general.say(&http, "1").await.unwrap_err()).0, 500);
    assert_eq!(http_error(general.say(&http, "2").await.unwrap_err()).0, 500);
    general.say(&http, "3").await.unwrap();
    assert_eq!(fake.count_5xx(), 2);
    fake.inject(Fault::rate_limit("*", "/channels/"));
    assert_eq!(http_error(general.say(&http, "4").await.unwrap_err()).0, 429);
    assert_eq!(fake.count_429(), 1);
    let r429 = fake.requests().into_iter().find(|r| r.status == 429).unwrap();
    assert_eq!(r429.response["retry_after"], 0.3);
    // A dropped connection: no status, a transport error naming the URL; the next one works.
    fake.inject(Fault::dropped("POST", "/channels/4000/messages"));
    match general.say(&http, "5").await.unwrap_err() {
        serenity::Error::Http(serenity::HttpError::Request(e)) => assert!(!e.is_status(), "{e}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    general.say(&http, "6").await.unwrap();

    // Successful responses carry rate limit headers.
    let resp = fake_client_get(&fake, "/api/v10/users/@me").await;
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "4");
    assert!(resp.headers().contains_key("x-ratelimit-bucket"));

    // A wrong token is refused.
    let bad = serenity::HttpBuilder::new("wrong").proxy(fake.base_url()).ratelimiter_disabled(true).build();
    assert_eq!(http_error(bad.get_current_user().await.unwrap_err()), (401, 0));

    // Unknown routes: 404 and recorded.
    assert!(http.get_guild_webhooks(serenity::GuildId::new(defaults::GUILD)).await.is_err());
    let u = fake.unhandled();
    assert_eq!((u.len(), u[0].path.as_str()), (1, "/guilds/2000/webhooks"));
    fake.assert_no_violations();
}

async fn fake_client_get(fake: &FakeDiscord, path: &str) -> reqwest::Response {
    fake.tls_client()
        .get(format!("https://discord.com{path}"))
        .header("authorization", format!("Bot {}", fake.token()))
        .send()
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

// A plain #[tokio::test] (current-thread runtime) works too.
#[tokio::test]
async fn over_limit_message_is_rejected_and_reported() {
    let fake = FakeDiscord::start().await;
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    let r = fake.slash(Slash::new("toolong")).await.wait_reply(T).await;
    assert_eq!(r.content, "rejected 400 50035");
    let v = fake.violations();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].path, "/channels/4000/messages");
    assert!(v[0].problems[0].contains("field 0 value"), "{:?}", v[0].problems);
    let report = std::panic::catch_unwind(|| fake.assert_no_violations()).unwrap_err();
    let report = report.downcast_ref::<String>().unwrap();
    assert!(report.contains("embed 0 field 0 value is 1500 long, the limit is 1024"), "{report}");
    assert!(fake.channel_posts(defaults::GENERAL).is_empty());

    // A bad callback is rejected too and counted; the interaction never gets a reply.
    fake.clear_violations();
    bot.assert_all_events_understood();
    fake.finish();
}

// ---------------------------------------------------------------------------------------------
// Interaction REST routes, driven through serenity's own methods (no bot)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_response_routes() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let cmd =
        |h: &InteractionHandle| -> serenity::CommandInteraction { serde_json::from_value(h.payload.clone()).unwrap() };

    // Deferred, then the original is edited, then a follow-up is sent, edited and deleted.
    let h = fake.slash(Slash::new("x")).await;
    let ci = cmd(&h);
    ci.defer(&http).await.unwrap();
    assert_eq!(h.wait_callback(T).await.kind, 5);
    let edited = ci.edit_response(&http, serenity::EditInteractionResponse::new().content("edited")).await.unwrap();
    let r = h.wait_reply(T).await;
    assert_eq!((r.kind, r.content.as_str(), r.ephemeral), (ReplyKind::OriginalEdit, "edited", false));
    assert_eq!(ci.get_response(&http).await.unwrap().id, edited.id);
    let f = ci
        .create_followup(&http, serenity::CreateInteractionResponseFollowup::new().content("more").ephemeral(true))
        .await
        .unwrap();
    ci.edit_followup(&http, f.id, serenity::CreateInteractionResponseFollowup::new().content("more!")).await.unwrap();
    let replies = h.wait_replies(2, T).await;
    assert_eq!((replies[1].content.as_str(), replies[1].ephemeral), ("more", true));
    assert_eq!(fake.message(f.id.get()).unwrap()["content"], "more!");
    ci.delete_followup(&http, f.id).await.unwrap();
    ci.delete_response(&http).await.unwrap();
    let kinds: Vec<TokenEventKind> = h.events().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            TokenEventKind::Callback(5),
            TokenEventKind::EditOriginal,
            TokenEventKind::FollowUp,
            TokenEventKind::EditFollowUp(f.id.get()),
            TokenEventKind::DeleteFollowUp(f.id.get()),
            TokenEventKind::DeleteOriginal,
        ]
    );
    fake.assert_no_violations();

    // Acknowledging twice is what Discord refuses with 40060: rejected and reported.
    let h = fake.slash(Slash::new("x")).await;
    let ci = cmd(&h);
    let msg =
        serenity::CreateInteractionResponse::Message(serenity::CreateInteractionResponseMessage::new().content("one"));
    ci.create_response(&http, msg.clone()).await.unwrap();
    let e = ci.create_response(&http, msg).await.unwrap_err();
    assert_eq!(http_error(e), (400, 40060));
    assert_eq!(fake.take_violations().len(), 1);

    // Limits on autocomplete choices and modals.
    let h = fake.autocomplete(Slash::new("x").focused("q", "")).await;
    let choices: Vec<_> = (0..26).map(|i| serenity::AutocompleteChoice::new(i.to_string(), i.to_string())).collect();
    let ac = serenity::CreateInteractionResponse::Autocomplete(
        serenity::CreateAutocompleteResponse::new().set_choices(choices),
    );
    let e = cmd(&h).create_response(&http, ac).await.unwrap_err();
    assert_eq!(http_error(e), (400, 50035));
    let h = fake.slash(Slash::new("x")).await;
    let modal =
        serenity::CreateInteractionResponse::Modal(serenity::CreateModal::new("m", "t".repeat(46)).components(vec![
            serenity::CreateActionRow::InputText(serenity::CreateInputText::new(
                serenity::InputTextStyle::Short,
                "label",
                "f",
            )),
        ]));
    let e = cmd(&h).create_response(&http, modal).await.unwrap_err();
    assert_eq!(http_error(e), (400, 50035));
    let v = fake.take_violations();
    assert!(v[0].problems[0].starts_with("autocomplete choices is 26 long"), "{v:?}");
    assert!(v[1].problems[0].starts_with("modal title is 46 long"), "{v:?}");
    assert!(h.callback().is_none(), "a rejected callback does not count");
    fake.finish();
}

/// With Discord's budgets enforced, the sixth message to one channel within 5 seconds gets a
/// 429 while another channel still takes messages; an injected latency delays every answer.
#[tokio::test]
async fn enforced_rate_limits_refuse_the_sixth_message_to_a_channel_and_latency_delays_answers() {
    let fake = FakeDiscord::builder()
        .no_default_guild()
        .guild(GuildSpec::default_test_guild().text_channel(4002, "second"))
        .start()
        .await;
    fake.enforce_rate_limits();
    fake.set_latency(Duration::from_millis(30));
    let http = fake.proxy_http();
    let post = |channel: u64| {
        let http = &http;
        async move {
            serenity::ChannelId::new(channel).send_message(http, serenity::CreateMessage::new().content("hi")).await
        }
    };
    let started = std::time::Instant::now();
    for _ in 0..5 {
        post(defaults::GENERAL).await.expect("within the channel's budget");
    }
    assert!(started.elapsed() >= Duration::from_millis(150), "5 answers after 30 ms each: {:?}", started.elapsed());
    let refused = post(defaults::GENERAL).await;
    assert!(
        matches!(&refused, Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))) if r.status_code.as_u16() == 429),
        "{refused:?}"
    );
    post(4002).await.expect("another channel has its own budget");
    assert_eq!((fake.count_over_budget(), fake.count_429()), (1, 1));
    assert_eq!(fake.channel_messages(defaults::GENERAL).len(), 5);
}

/// A websocket upgrade to the fake's gateway: the first line of its answer, or `None` when
/// nothing came within `wait`.
async fn upgrade_answer(fake: &FakeDiscord, wait: Duration) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = fake.gateway_url().trim_start_matches("ws://").trim_end_matches("/ws").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let req = format!(
        "GET /ws?v=10&encoding=json HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 256];
    match tokio::time::timeout(wait, s.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string()),
        _ => None,
    }
}

/// A refused gateway answers 503; a stalled one never answers; both recover.
#[tokio::test]
async fn the_gateway_can_refuse_or_stall_new_connections() {
    let fake = FakeDiscord::start().await;
    assert!(upgrade_answer(&fake, Duration::from_secs(5)).await.unwrap().contains("101"));
    fake.refuse_gateway(true);
    assert!(upgrade_answer(&fake, Duration::from_secs(5)).await.unwrap().contains("503"));
    fake.refuse_gateway(false);
    fake.stall_gateway(true);
    assert_eq!(upgrade_answer(&fake, Duration::from_millis(800)).await, None);
    fake.stall_gateway(false);
    assert!(upgrade_answer(&fake, Duration::from_secs(5)).await.unwrap().contains("101"));
}

/// Discord's answers to a command registration that cannot work: a guild the bot is not in
/// (404 / 10004), a guild the bot was invited to without the `applications.commands` scope
/// (403 / 50001), another application's commands (403 / 50001); an injected 5xx is transient.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_registration_errors_have_discords_codes() {
    const NO_SCOPE: u64 = 7700;
    let fake =
        FakeDiscord::builder().guild(GuildSpec::new(NO_SCOPE, "No scope").without_commands_scope()).start().await;
    let http = fake.proxy_http();
    http.set_application_id(serenity::ApplicationId::new(fake.application_id()));
    let cmd = || vec![serenity::CreateCommand::new("ping").description("Ping")];
    let e = serenity::GuildId::new(999_999).set_commands(&http, cmd()).await.unwrap_err();
    assert_eq!(http_error(e), (404, 10004));
    let e = serenity::GuildId::new(NO_SCOPE).set_commands(&http, cmd()).await.unwrap_err();
    assert_eq!(http_error(e), (403, 50001));
    // The scope matters for guild commands only: global ones and other guilds work.
    serenity::Command::set_global_commands(&http, cmd()).await.unwrap();
    serenity::GuildId::new(defaults::GUILD).set_commands(&http, cmd()).await.unwrap();
    fake.inject(Fault::server_error("PUT", &format!("/applications/{}/commands", fake.application_id())));
    let e = serenity::Command::set_global_commands(&http, cmd()).await.unwrap_err();
    assert_eq!(http_error(e).0, 500);
    serenity::Command::set_global_commands(&http, cmd()).await.unwrap();
    let other = fake.proxy_http();
    other.set_application_id(serenity::ApplicationId::new(fake.application_id() + 1));
    let e = serenity::Command::set_global_commands(&other, cmd()).await.unwrap_err();
    assert_eq!(http_error(e), (403, 50001));
}

/// Removals and outages as Discord reports them: a removal while connected is GUILD_DELETE
/// without `unavailable`; a removal while offline sends nothing, the next READY just does not
/// list the guild; an outage is GUILD_DELETE with `unavailable: true`, and a READY during it
/// lists the guild as unavailable with no GUILD_CREATE. A removed guild's channels answer
/// 403 / 50001.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removals_and_outages_are_reported_as_discord_does() {
    const KICKED: u64 = 7800;
    const GONE_OFFLINE: u64 = 7801;
    const DOWN: u64 = 7802;
    let mut builder = FakeDiscord::builder();
    for (id, name) in [(KICKED, "kicked"), (GONE_OFFLINE, "gone"), (DOWN, "down")] {
        builder = builder.guild(GuildSpec::new(id, name).text_channel(id + 1, "general"));
    }
    let fake = builder.start().await;
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    let http = fake.proxy_http();

    fake.remove_guild(KICKED);
    let deletes = |fake: &FakeDiscord| -> Vec<Value> {
        fake.dispatched().into_iter().filter(|(t, _)| t == "GUILD_DELETE").map(|(_, d)| d).collect()
    };
    assert_eq!(deletes(&fake), vec![json!({"id": KICKED.to_string()})]);
    assert_dispatch("GUILD_DELETE", &deletes(&fake)[0]);
    let e = serenity::ChannelId::new(KICKED + 1).say(&http, "x").await.unwrap_err();
    assert_eq!(http_error(e), (403, 50001));

    fake.guild_outage(DOWN, true);
    assert_eq!(deletes(&fake)[1], json!({"id": DOWN.to_string(), "unavailable": true}));

    // Offline: the bot is gone (a new session identifies), a guild removes it meanwhile.
    drop(bot);
    fake.drop_gateway_with(GatewayDrop::InvalidSession).await;
    fake.remove_guild(GONE_OFFLINE);
    let ready = fake.ready_payload();
    let listed: Vec<(String, bool)> = ready["guilds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap().to_string(), g["unavailable"].as_bool().unwrap()))
        .collect();
    assert!(listed.contains(&(DOWN.to_string(), true)), "{listed:?}");
    assert!(!listed.iter().any(|(g, _)| *g == GONE_OFFLINE.to_string() || *g == KICKED.to_string()), "{listed:?}");
    let sessions = fake.gateway_stats().sessions();
    let bot = start_bot(fake.proxy_http());
    fake.wait_gateway_sessions(sessions + 1, T).await;
    assert_eq!(fake.gateway_stats().identifies, 2);
    let creates: Vec<String> = fake
        .dispatched()
        .into_iter()
        .filter(|(t, _)| t == "GUILD_CREATE")
        .map(|(_, d)| d["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!creates.contains(&DOWN.to_string()) && !creates.contains(&GONE_OFFLINE.to_string()), "{creates:?}");
    assert!(creates.contains(&defaults::GUILD.to_string()), "{creates:?}");
    assert!(
        !deletes(&fake).iter().any(|d| d["id"].as_str() == Some(GONE_OFFLINE.to_string().as_str())),
        "no event for an offline removal"
    );
    fake.guild_outage(DOWN, false);
    assert!(
        fake.dispatched()
            .iter()
            .any(|(t, d)| t == "GUILD_CREATE" && d["id"].as_str() == Some(DOWN.to_string().as_str()))
    );
    bot.assert_all_events_understood();
}

/// Per-channel permissions as Discord answers them: no View Channel is 403 / 50001; no Send
/// Messages 403 / 50013; files without Attach Files 403 / 50013; embeds without Embed Links
/// are dropped from a message that is still sent; no Read Message History returns no
/// messages; no Create Public Threads refuses a thread with 403 / 50013. GUILD_CREATE carries
/// the overwrite, and an interaction's `app_permissions` the bot's permissions there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_permissions_get_discords_answers() {
    let spec = GuildSpec::default_test_guild()
        .channel(ChannelSpec::text(4100, "hidden").deny_bot(perms::VIEW_CHANNEL))
        .channel(ChannelSpec::text(4101, "no-embeds").deny_bot(perms::EMBED_LINKS))
        .channel(ChannelSpec::text(4102, "no-history").deny_bot(perms::READ_MESSAGE_HISTORY))
        .channel(ChannelSpec::text(4103, "no-threads").deny_bot(perms::CREATE_PUBLIC_THREADS))
        .channel(ChannelSpec::text(4104, "no-files").deny_bot(perms::ATTACH_FILES));
    let fake = FakeDiscord::builder().no_default_guild().guild(spec).start().await;
    let http = fake.proxy_http();
    let ch = serenity::ChannelId::new;
    let embed = || serenity::CreateMessage::new().content("text").embed(serenity::CreateEmbed::new().title("t"));

    assert_eq!(http_error(ch(4100).say(&http, "x").await.unwrap_err()), (403, 50001));
    assert_eq!(http_error(ch(4100).to_channel(&http).await.unwrap_err()), (403, 50001));
    let m = ch(4101).send_message(&http, embed()).await.unwrap();
    assert!(m.embeds.is_empty() && m.content == "text", "{m:?}");
    assert_eq!(ch(4000).send_message(&http, embed()).await.unwrap().embeds.len(), 1);

    ch(4102).say(&http, "one").await.unwrap();
    assert!(ch(4102).messages(&http, serenity::GetMessages::new()).await.unwrap().is_empty());
    assert_eq!(ch(4000).messages(&http, serenity::GetMessages::new()).await.unwrap().len(), 1);

    let m = ch(4103).say(&http, "thread me").await.unwrap();
    let e = ch(4103).create_thread_from_message(&http, m.id, serenity::CreateThread::new("t")).await.unwrap_err();
    assert_eq!(http_error(e), (403, 50013));

    let file = serenity::CreateMessage::new().add_file(serenity::CreateAttachment::bytes(b"x".to_vec(), "a.txt"));
    assert_eq!(http_error(ch(4104).send_message(&http, file).await.unwrap_err()), (403, 50013));

    let g = &fake.guild_create_payloads()[0];
    let hidden = g["channels"].as_array().unwrap().iter().find(|c| c["id"] == "4100").unwrap();
    assert_eq!(hidden["permission_overwrites"][0]["deny"], perms::VIEW_CHANNEL.to_string());
    let h = fake.slash(Slash::new("ping").by(&fake.member().in_guild(defaults::GUILD, 4101))).await;
    let app: u64 = h.payload["app_permissions"].as_str().unwrap().parse().unwrap();
    assert_eq!(app & perms::EMBED_LINKS, 0);
    assert_ne!(app & perms::SEND_MESSAGES, 0);

    // Overwrites change (CHANNEL_UPDATE, or silently for a bot that missed it); a channel
    // is deleted (CHANNEL_DELETE, then 10003).
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    fake.set_bot_denied(4000, perms::SEND_MESSAGES, true);
    let (t, d) = fake.dispatched().into_iter().rfind(|(t, _)| t == "CHANNEL_UPDATE").unwrap();
    assert_dispatch(&t, &d);
    assert_eq!(d["permission_overwrites"][0]["deny"], perms::SEND_MESSAGES.to_string());
    assert_eq!(http_error(ch(4000).say(&http, "x").await.unwrap_err()), (403, 50013));
    fake.set_bot_denied(4000, 0, false);
    ch(4000).say(&http, "x").await.unwrap();
    fake.delete_channel(4104);
    let (t, d) = fake.dispatched().into_iter().rfind(|(t, _)| t == "CHANNEL_DELETE").unwrap();
    assert_dispatch(&t, &d);
    assert_eq!(http_error(ch(4104).say(&http, "x").await.unwrap_err()), (404, 10003));
    bot.assert_all_events_understood();
}

/// DM channels: opening one for a member again returns the same channel; opening them too
/// fast is refused with 400 / 40003; a DM carries a nonce like any channel message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_channels_are_reused_and_opening_too_fast_is_40003() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    fake.limit_dm_opens(2, Duration::from_secs(60));
    let a = serenity::UserId::new(defaults::ALICE).create_dm_channel(&http).await.unwrap();
    let again = serenity::UserId::new(defaults::ALICE).create_dm_channel(&http).await.unwrap();
    assert_eq!(a.id, again.id, "the same DM channel");
    let e = serenity::UserId::new(defaults::BOB).create_dm_channel(&http).await.unwrap_err();
    assert_eq!(http_error(e), (400, 40003));
    let send = || {
        serenity::CreateMessage::new().content("hi").nonce(serenity::Nonce::String("dm-1".into())).enforce_nonce(true)
    };
    let m1 = a.id.send_message(&http, send()).await.unwrap();
    let m2 = a.id.send_message(&http, send()).await.unwrap();
    assert_eq!(m1.id, m2.id);
    assert_eq!(fake.dm_messages(defaults::ALICE).len(), 1);
}

/// A lost answer: the message is created, the client gets a 502 (what a proxy in between
/// answers when Discord's response never reaches it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_creates_the_message_and_answers_502() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    fake.inject(Fault::lost_answer("POST", &format!("/channels/{}/messages", defaults::GENERAL)));
    let e = serenity::ChannelId::new(defaults::GENERAL).say(&http, "made").await.unwrap_err();
    assert_eq!(http_error(e).0, 502);
    let posts = fake.channel_posts(defaults::GENERAL);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["content"], "made");
}

/// `GET /gateway/bot` reports the identify budget (`session_start_limit`), and each IDENTIFY
/// uses one of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_identify_uses_the_daily_session_start_budget() {
    let fake = FakeDiscord::start().await;
    fake.set_identify_budget(3);
    let http = fake.proxy_http();
    let gw = http.get_bot_gateway().await.unwrap();
    assert_eq!((gw.session_start_limit.remaining, gw.session_start_limit.total), (3, 1000));
    assert_eq!(gw.session_start_limit.max_concurrency, 1);
    let bot = bot_ready(&fake, fake.proxy_http()).await;
    assert_eq!(http.get_bot_gateway().await.unwrap().session_start_limit.remaining, 2);
    bot.assert_all_events_understood();
}

/// Each interaction carries `attachment_size_limit`; an answer with a larger file is refused
/// with 413 / 40005 (Discord's "Request entity too large").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_with_a_file_over_the_interactions_limit_is_40005() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let h = fake.slash(Slash::new("ping").by(&fake.member().attachment_limit(10))).await;
    assert_eq!(h.payload["attachment_size_limit"], 10);
    let serenity::Interaction::Command(ci) = interaction(&h) else { panic!("a command") };
    assert_eq!(ci.attachment_size_limit, 10);
    let answer = |n: usize| {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .add_file(serenity::CreateAttachment::bytes(vec![7u8; n], "a.bin")),
        )
    };
    assert_eq!(http_error(ci.create_response(&http, answer(11)).await.unwrap_err()), (413, 40005));
    ci.create_response(&http, answer(10)).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Scheduled events
// ---------------------------------------------------------------------------------------------

/// Scheduled events as Discord documents them, through serenity's own calls: the field
/// requirements, a start in the future, the permissions, the status transitions and
/// Discord's automation, the interested users paged by id, and the cap of 100 upcoming.
#[tokio::test]
async fn scheduled_events_follow_discords_rules() {
    use serenity::{CreateScheduledEvent, EditScheduledEvent, ScheduledEventStatus, ScheduledEventType, Timestamp};
    const EVENTS: u64 = 7100;
    const ROOM: u64 = 4100;
    let guild = GuildSpec::default_test_guild()
        .channel(ChannelSpec::voice(ROOM, "study-room"))
        .role(EVENTS, "Events", perms::CREATE_EVENTS | perms::CONNECT)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[EVENTS]);
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let now: chrono::DateTime<chrono::Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
    fake.set_clock(now);
    let http = fake.proxy_http();
    let g = serenity::GuildId::new(defaults::GUILD);
    let ts = |s: &str| Timestamp::parse(s).unwrap();
    let external = |name: &str, start: &str, end: &str| {
        CreateScheduledEvent::new(ScheduledEventType::External, name, ts(start))
            .end_time(ts(end))
            .location("#general")
            .description("Week 1: what a data store promises")
    };
    let code = |r: serenity::Result<serenity::ScheduledEvent>| match r {
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e))) => {
            (e.status_code.as_u16(), e.error.code)
        }
        other => panic!("expected Discord's refusal, got {other:?}"),
    };

    // An external event: created SCHEDULED by the bot.
    let e = g
        .create_scheduled_event(&http, external("W1 · Ideas", "2026-12-07T17:00:00Z", "2026-12-07T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (e.status, e.kind, e.creator_id),
        (
            ScheduledEventStatus::Scheduled,
            ScheduledEventType::External,
            Some(serenity::UserId::new(defaults::BOT_USER))
        )
    );
    assert_eq!(e.metadata.as_ref().and_then(|m| m.location.as_deref()), Some("#general"));
    // Refusals: no end for an external event, a start in the past, a name over 100.
    let no_end = CreateScheduledEvent::new(ScheduledEventType::External, "x", ts("2026-12-07T17:00:00Z")).location("x");
    assert_eq!(code(g.create_scheduled_event(&http, no_end).await), (400, 50035));
    assert_eq!(
        code(g.create_scheduled_event(&http, external("x", "2026-11-30T17:00:00Z", "2026-11-30T18:00:00Z")).await),
        (400, 50035)
    );
    assert_eq!(
        code(
            g.create_scheduled_event(&http, external(&"n".repeat(101), "2026-12-07T17:00:00Z", "2026-12-07T18:00:00Z"))
                .await
        ),
        (400, 50035)
    );

    // A voice event needs its channel, and View Channel + Connect there.
    let voice = || {
        CreateScheduledEvent::new(ScheduledEventType::Voice, "W1 · Voice", ts("2026-12-08T17:00:00Z"))
            .channel_id(serenity::ChannelId::new(ROOM))
    };
    let v = g.create_scheduled_event(&http, voice()).await.unwrap();
    assert_eq!(v.channel_id, Some(serenity::ChannelId::new(ROOM)));
    fake.set_bot_denied(ROOM, perms::CONNECT, false);
    assert_eq!(code(g.create_scheduled_event(&http, voice()).await), (403, 50013));
    fake.set_bot_denied(ROOM, 0, false);

    // Moving the event; an invalid transition; starting the voice event.
    let moved = g
        .edit_scheduled_event(
            &http,
            e.id,
            EditScheduledEvent::new().start_time(ts("2026-12-07T16:00:00Z")).end_time(ts("2026-12-07T17:30:00Z")),
        )
        .await
        .unwrap();
    assert_eq!(moved.start_time, ts("2026-12-07T16:00:00Z"));
    assert_eq!(
        code(
            g.edit_scheduled_event(&http, e.id, EditScheduledEvent::new().status(ScheduledEventStatus::Completed))
                .await
        ),
        (400, 50035)
    );

    // Discord's automation: the external event starts and ends by itself; an unstarted voice
    // event is cancelled hours after its start, and an ended event changes no more.
    fake.set_clock("2026-12-07T16:30:00Z".parse().unwrap());
    assert_eq!(g.scheduled_event(&http, e.id, false).await.unwrap().status, ScheduledEventStatus::Active);
    fake.set_clock("2026-12-08T21:00:00Z".parse().unwrap());
    let events = g.scheduled_events(&http, true).await.unwrap();
    let status = |id| events.iter().find(|x| x.id == id).map(|x| x.status);
    assert_eq!(
        (status(e.id), status(v.id)),
        (Some(ScheduledEventStatus::Completed), Some(ScheduledEventStatus::Canceled))
    );
    assert_eq!(code(g.edit_scheduled_event(&http, v.id, EditScheduledEvent::new().name("again")).await), (400, 50035));
    fake.set_clock(now);

    // Interested users: ascending by id, 100 a page at most, paged with after.
    let w =
        g.create_scheduled_event(&http, external("W2", "2026-12-14T17:00:00Z", "2026-12-14T18:00:00Z")).await.unwrap();
    for u in (0..150u64).rev() {
        fake.mark_interested(w.id.get(), 900_000 + u);
    }
    let first = http.get_scheduled_event_users(g, w.id, None, None, None).await.unwrap();
    assert_eq!(first.len(), 100);
    assert!(first.windows(2).all(|p| p[0].user.id < p[1].user.id));
    let last = first.last().unwrap().user.id;
    let rest = http
        .get_scheduled_event_users(g, w.id, Some(100), Some(serenity::http::UserPagination::After(last)), None)
        .await
        .unwrap();
    assert_eq!(rest.len(), 50);
    assert_eq!(g.scheduled_event(&http, w.id, true).await.unwrap().user_count, Some(150));

    // The cap: 100 scheduled or active events in the server.
    let upcoming =
        fake.scheduled_events(defaults::GUILD).iter().filter(|e| matches!(e["status"].as_u64(), Some(1 | 2))).count();
    for i in upcoming..100 {
        g.create_scheduled_event(&http, external(&format!("E{i}"), "2026-12-20T17:00:00Z", "2026-12-20T18:00:00Z"))
            .await
            .unwrap();
    }
    assert_eq!(
        code(
            g.create_scheduled_event(&http, external("one more", "2026-12-20T17:00:00Z", "2026-12-20T18:00:00Z")).await
        ),
        (400, 30038)
    );
    // Deleting frees a place; a deleted event is unknown.
    g.delete_scheduled_event(&http, w.id).await.unwrap();
    assert_eq!(code(g.scheduled_event(&http, w.id, false).await), (404, 10070));
    g.create_scheduled_event(&http, external("one more", "2026-12-20T17:00:00Z", "2026-12-20T18:00:00Z"))
        .await
        .unwrap();

    // Without Create Events nothing is created.
    let bare = FakeDiscord::builder().start().await;
    bare.set_clock(now);
    let r = serenity::GuildId::new(defaults::GUILD)
        .create_scheduled_event(&bare.proxy_http(), external("x", "2026-12-07T17:00:00Z", "2026-12-07T18:00:00Z"))
        .await;
    assert_eq!(code(r), (403, 50013));
    fake.assert_no_violations();
}

/// Private threads as Discord documents them (Start Thread without Message, thread members):
/// Create Private Threads in a text channel, `invitable`, the auto-archive choices, members
/// added one by one (they must be in the server; not while archived), listed, and removed by
/// the thread's creator.
#[tokio::test]
async fn private_threads_and_their_members_follow_discords_rules() {
    use serenity::{AutoArchiveDuration, ChannelType, CreateThread};
    const PRIVATE: u64 = 7200;
    let guild = GuildSpec::default_test_guild().role(PRIVATE, "Private threads", perms::CREATE_PRIVATE_THREADS).member(
        defaults::BOT_USER,
        defaults::BOT_NAME,
        &[PRIVATE],
    );
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let http = fake.proxy_http();
    let general = serenity::ChannelId::new(defaults::GENERAL);
    let code = |r: serenity::Result<()>| match r {
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e))) => {
            (e.status_code.as_u16(), e.error.code)
        }
        other => panic!("expected Discord's refusal, got {other:?}"),
    };
    let private = |name: &str| {
        CreateThread::new(name.to_string())
            .kind(ChannelType::PrivateThread)
            .invitable(false)
            .auto_archive_duration(AutoArchiveDuration::OneWeek)
    };
    let t = general.create_thread(&http, private("W3 · alice & bob")).await.unwrap();
    assert_eq!(t.kind, ChannelType::PrivateThread);
    let meta = t.thread_metadata.unwrap();
    assert_eq!((meta.invitable, meta.auto_archive_duration), (false, AutoArchiveDuration::OneWeek));
    assert_eq!(fake.thread_members(t.id.get()), [defaults::BOT_USER], "the creator is its first member");
    // Members one by one; someone outside the server is refused.
    for u in [defaults::ALICE, defaults::BOB] {
        http.add_thread_channel_member(t.id, serenity::UserId::new(u)).await.unwrap();
    }
    assert_eq!(fake.thread_members(t.id.get()), [defaults::BOT_USER, defaults::ALICE, defaults::BOB]);
    let stranger = http.add_thread_channel_member(t.id, serenity::UserId::new(999_999)).await;
    assert_eq!(code(stranger), (404, 10007));
    let listed = http.get_channel_thread_members(t.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    // Listed among the guild's active threads (until archived).
    let active = http.get_guild_active_threads(serenity::GuildId::new(defaults::GUILD)).await.unwrap();
    assert!(active.threads.iter().any(|c| c.id == t.id && c.name == "W3 · alice & bob"), "{active:?}");
    // The creator of a private thread may remove a member.
    http.remove_thread_channel_member(t.id, serenity::UserId::new(defaults::BOB)).await.unwrap();
    assert_eq!(fake.thread_members(t.id.get()), [defaults::BOT_USER, defaults::ALICE]);
    // Archived: nobody is added.
    t.id.edit_thread(&http, serenity::EditThread::new().archived(true)).await.unwrap();
    let archived = http.add_thread_channel_member(t.id, serenity::UserId::new(defaults::BOB)).await;
    assert_eq!(code(archived), (400, 50083));
    let active = http.get_guild_active_threads(serenity::GuildId::new(defaults::GUILD)).await.unwrap();
    assert!(active.threads.iter().all(|c| c.id != t.id), "archived threads are not active");
    // Refusals: a bad auto-archive duration, and no Create Private Threads (the default guild).
    let bad = http
        .create_thread(general, &serde_json::json!({"name": "x", "type": 12, "auto_archive_duration": 30}), None)
        .await;
    assert!(
        matches!(bad, Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(ref e))) if e.status_code == 400),
        "{bad:?}"
    );
    assert_eq!(fake.take_violations().len(), 1, "the fake reports the request Discord would reject");
    let plain = FakeDiscord::start().await;
    let refused = serenity::ChannelId::new(defaults::GENERAL).create_thread(&plain.proxy_http(), private("x")).await;
    assert_eq!(code(refused.map(|_| ())), (403, 50013));
    fake.assert_no_violations();
}
