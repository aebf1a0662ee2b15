//! Docker, kubectl and Kubernetes Secret targets, through the stand-ins of
//! `authtray_e2e::standins` (no Docker daemon or cluster runs here): argv checked, the command
//! run in a second HOME holding a real openclaw 2026.5.28. No token may appear in any argv.

use std::path::PathBuf;
use std::time::Duration;

use authtray_e2e::standins::World;
use authtray_e2e::*;

fn oracle() -> Option<PathBuf> {
    oracle_bin(&OPENCLAW_JSON)
}

fn profile<'a>(status: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    status["auth"]["oauth"]["profiles"].as_array()?.iter().find(|p| p["profileId"] == id)
}

#[test]
fn a_gateway_in_docker_is_written_through_docker_exec() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    assert_eq!(w.authtray(&["target", "add", "box", "docker://openclaw-gw", "--mirror"], None).code, 0);
    let token = setup_token('D');
    let paste = w.authtray(&["--target", "box", "paste-token", "--provider", "anthropic", "--json"], Some(&token));
    assert_eq!(paste.code, 0, "{paste:?}");
    assert_no_secret(&paste, &token);
    assert_eq!(paste.json()["profileId"], "anthropic:manual");
    let theirs = w.gateway_status();
    assert_eq!(profile(&theirs, "anthropic:manual").expect("pasted profile")["type"], "token");

    let st = w.authtray(&["--target", "box", "status", "--json"], None);
    assert_eq!(st.code, 0, "{st:?}");
    let st = st.json();
    assert_eq!(st["target"]["reached"], "container openclaw-gw");
    assert!(st["agents"][0]["profiles"].as_array().unwrap().iter().any(|p| p["id"] == "anthropic:manual"), "{st}");
    assert_eq!(st["verdict"]["overall"], "healthy", "{}", st["verdict"]);

    // Mirror: the access token only.
    let access = format!("sk-ant-oat01-{}", "M".repeat(90));
    w.laptop.write_claude_login(&access, Some("sk-ant-ort01-REFRESH-never-sent"), now_ms() + 8 * 3_600_000);
    let sync = w.authtray(&["sync", "--all-targets", "--json", "--generation", "openclaw-json"], None);
    assert_no_secret(&sync, &access);
    assert_eq!(sync.json()["targets"][0]["written"], true, "{sync:?}");
    let raw = std::fs::read_to_string(w.container.store_path()).unwrap();
    assert!(raw.contains(&access) && !raw.contains("REFRESH-never-sent"));

    // A container that is not there.
    let gone = w.authtray(&["--target", "docker://not-there", "status"], None);
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(gone.stderr.contains("No such container: not-there"), "{}", gone.stderr);

    let log = w.argv_log();
    assert!(log.lines().all(|l| l.starts_with("docker exec -i ")), "{log}");
    assert!(!log.contains(&token) && !log.contains(&access) && !log.contains("REFRESH"), "a token reached docker's argv");
}

#[test]
fn a_gateway_in_kubernetes_is_written_through_kubectl_exec() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    let url = "kubectl://prod/gateways/deploy/openclaw?container=gateway";
    assert_eq!(w.authtray(&["target", "add", "k", url], None).code, 0);
    let token = setup_token('K');
    let paste = w.authtray(&["--target", "k", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:k8s"], Some(&token));
    assert_eq!(paste.code, 0, "{paste:?}");
    assert_no_secret(&paste, &token);
    assert!(profile(&w.gateway_status(), "anthropic:k8s").is_some());
    let set = w.authtray(&["--target", "k", "order", "set", "--provider", "anthropic", "anthropic:k8s", "--json"], None);
    assert_eq!(set.code, 0, "{set:?}");
    assert_eq!(set.json()["order"], serde_json::json!(["anthropic:k8s"]));
    let st = w.authtray(&["--target", "k", "status", "--json"], None).json();
    assert_eq!(st["agents"][0]["order"]["anthropic"], serde_json::json!(["anthropic:k8s"]));

    let wrong = w.authtray(&["--target", "kubectl://gateways/deploy/nope", "status"], None);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("NotFound"), "{}", wrong.stderr);

    let log = w.argv_log();
    for line in log.lines().filter(|l| l.contains("deploy/openclaw")) {
        assert!(line.starts_with("kubectl --context prod -n gateways exec -i deploy/openclaw -c gateway -- env "), "{line}");
    }
    assert!(!log.contains(&token), "a token reached kubectl's argv");
}

#[test]
fn a_kubernetes_secret_gets_one_key_and_the_gateway_restarts() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    std::fs::write(w.dir.path().join("secrets/openclaw-secrets/OPENAI_API_KEY"), "sk-keep-me").unwrap();
    let url = "k8s-secret://prod/gateways/openclaw-secrets?restart=deployment/openclaw";
    assert_eq!(w.authtray(&["target", "add", "cluster", url, "--mirror"], None).code, 0);

    let token = setup_token('S');
    let paste = w.authtray(&["--target", "cluster", "paste-token", "--provider", "anthropic", "--json"], Some(&token));
    assert_eq!(paste.code, 0, "{paste:?}");
    assert_no_secret(&paste, &token);
    let p = paste.json();
    assert_eq!(p["key"], "ANTHROPIC_OAUTH_TOKEN");
    assert_eq!(p["written"], true);
    assert_eq!(p["restarted"], "deployment/openclaw");
    assert_eq!(w.secret_file("ANTHROPIC_OAUTH_TOKEN").as_deref(), Some(token.as_str()));
    assert_eq!(w.secret_file("OPENAI_API_KEY").as_deref(), Some("sk-keep-me"), "other keys are kept");
    let restarts = || std::fs::read_to_string(w.dir.path().join("restarts")).unwrap_or_default().lines().count();
    assert_eq!(restarts(), 1);

    // The same value again: nothing patched, nothing restarted.
    let again = w.authtray(&["--target", "cluster", "paste-token", "--provider", "anthropic", "--json"], Some(&token));
    assert_eq!(again.json()["written"], false, "{again:?}");
    assert_eq!(restarts(), 1);

    // A claude.ai session key goes to its own key, as in the original workflow.
    let session = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdXRodHJheSJ9.c2lnbmF0dXJlLXNlc3Npb24";
    let sk = w.authtray(&["--target", "cluster", "paste-token", "--provider", "anthropic", "--json"], Some(session));
    assert_eq!(sk.code, 0, "{sk:?}");
    assert_eq!(sk.json()["key"], "CLAUDE_AI_SESSION_KEY");
    assert_eq!(w.secret_file("CLAUDE_AI_SESSION_KEY").as_deref(), Some(session));
    assert_no_secret(&sk, session);

    // Mirror (sync): Claude Code's access token, never its refresh token.
    let access = format!("sk-ant-oat01-{}", "A".repeat(90));
    w.laptop.write_claude_login(&access, Some("sk-ant-ort01-REFRESH-never-sent"), now_ms() + 8 * 3_600_000);
    let sync = w.authtray(&["--target", "cluster", "sync", "--json"], None);
    assert_eq!(sync.code, 0, "{sync:?}");
    assert_no_secret(&sync, &access);
    assert_eq!(w.secret_file("ANTHROPIC_OAUTH_TOKEN").as_deref(), Some(access.as_str()));

    // An expired login is never handed on (nor a restart for it).
    w.laptop.write_claude_login(&format!("sk-ant-oat01-{}", "E".repeat(90)), None, now_ms() - 60_000);
    let before = restarts();
    let stale = w.authtray(&["--target", "cluster", "sync"], None);
    assert_eq!(stale.code, 1, "{stale:?}");
    assert!(stale.stderr.contains("expired"), "{}", stale.stderr);
    assert_eq!(w.secret_file("ANTHROPIC_OAUTH_TOKEN").as_deref(), Some(access.as_str()));
    assert_eq!(restarts(), before);

    // A rollout that does not finish: the Secret is updated, the error says so.
    std::fs::write(w.dir.path().join("rollout-fails"), "").unwrap();
    let stuck = w.authtray(&["--target", "cluster", "paste-token", "--provider", "anthropic"], Some(&setup_token('T')));
    assert_eq!(stuck.code, 1, "{stuck:?}");
    assert!(stuck.stderr.contains("was updated, but deployment/openclaw did not finish restarting"), "{}", stuck.stderr);

    // What a Secret target cannot do, and bad input, are refused before kubectl runs.
    let status = w.authtray(&["--target", "cluster", "status"], None);
    assert_eq!(status.code, 64, "{status:?}");
    assert!(status.stderr.contains("Kubernetes Secret"), "{}", status.stderr);
    let junk = w.authtray(&["--target", "cluster", "paste-token", "--provider", "anthropic"], Some("not a token"));
    assert_ne!(junk.code, 0);

    let log = w.argv_log();
    for secret in [token.as_str(), session, access.as_str(), "REFRESH"] {
        assert!(!log.contains(secret), "a secret reached kubectl's argv");
    }
    assert!(log.contains("kubectl --context prod -n gateways patch secret openclaw-secrets --type merge --patch-file /dev/stdin"), "{log}");
}

/// The final judge for a remote write: a real gateway running in the "container" answers the
/// very next chat with the token pasted through `docker exec` (its CLI there asks it to reload).
#[test]
fn the_running_gateway_in_the_container_answers_with_the_pasted_token() {
    use authtray_e2e::live::{FakeAnthropic, LiveGateway};
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    let fake = FakeAnthropic::start();
    let paste = |token: &str| {
        let out = w.authtray(&["--target", "docker://openclaw-gw", "paste-token", "--provider", "anthropic", "--json"], Some(token));
        assert_eq!(out.code, 0, "{out:?}");
        out.json()
    };
    let (a, b) = (setup_token('A'), setup_token('B'));
    // Without a gateway token its CLI cannot ask any gateway: said, not hidden.
    let blind = paste(&setup_token('Z'));
    assert_eq!(blind["reload"]["state"], "failed", "{blind}");
    assert!(blind["reload"]["detail"].as_str().unwrap().contains("no gateway token"), "{blind}");
    // An installed gateway has its token in its config (onboarding writes it); none runs yet.
    let mut config = w.container.config();
    config["gateway"] =
        serde_json::json!({ "mode": "local", "port": authtray_e2e::live::free_port(), "auth": { "mode": "token", "token": "t0k" } });
    w.container.write_config(&config);
    let before = paste(&a);
    assert_eq!(before["reload"]["state"], "no-gateway-running", "{before}");
    let g = LiveGateway::start(&w.container, &fake, &[("anthropic:manual", "token")]);
    let chat = |what: &str| {
        let n = fake.seen().len();
        let answer = g.chat();
        assert_eq!(answer.status, 200, "{what}: {answer:?}\n{}", g.log(&w.container));
        fake.seen().get(n).cloned().unwrap_or_default()
    };
    assert!(chat("first chat").ends_with("AAAA"));
    let after = paste(&b);
    assert_eq!(after["reload"]["state"], "done", "{after}");
    assert!(chat("the chat after the remote paste").ends_with("BBBB"), "the running gateway answered with the old token");
}

#[test]
fn doctor_examines_a_target_and_says_how_to_fix_it() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    let ok = w.authtray(&["--target", "docker://openclaw-gw", "doctor", "--json"], None);
    let d = ok.json();
    assert_eq!(d["target"]["url"], "docker://openclaw-gw");
    assert_eq!(d["generation"], "openclaw-json", "{d}");
    let codes: Vec<&str> = d["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    // No credential there yet: the verdict's problem, with the fix aimed at the target.
    assert!(codes.contains(&"verdict"), "{d}");
    assert!(codes.contains(&"gateway-unreachable"), "its CLI has no gateway token: {d}");
    assert_eq!(ok.code, 1, "the gateway there has no credential: an error");
    let fixes = d["findings"].as_array().unwrap().iter().filter_map(|f| f["fix"].as_str()).collect::<Vec<_>>().join("\n");
    assert!(fixes.contains("authtray --target docker://openclaw-gw paste-token"), "fixes name the target: {fixes}");

    let gone = w.authtray(&["--target", "docker://elsewhere", "doctor"], None);
    assert_eq!(gone.code, 1);
    assert!(gone.stdout.contains("No such container") && gone.stdout.contains("docker exec elsewhere true"), "{}", gone.stdout);

    std::fs::write(w.dir.path().join("secrets/openclaw-secrets/X"), "x").unwrap();
    let secret = w.authtray(&["--target", "k8s-secret://prod/gateways/openclaw-secrets", "doctor", "--json"], None);
    assert_eq!(secret.code, 0, "{secret:?}");
    assert_eq!(secret.json()["findings"][0]["code"], "secret-reachable");
    let missing = w.authtray(&["--target", "k8s-secret://prod/gateways/nope", "doctor"], None);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stdout.contains("NotFound") && missing.stdout.contains("kubectl --context prod -n gateways get secret nope"),
        "{}",
        missing.stdout
    );
}

/// The live service (`watch`, the same engine as the tray) with three targets: a gateway in a
/// container it mirrors Claude Code's login to, a cluster that is not there, and a host that
/// hangs. The local mirror and the reachable target are not held up by the other two; each
/// target gets its own line and the unreachable one an alert.
#[test]
fn the_live_service_mirrors_to_targets_and_a_dead_one_blocks_nothing() {
    use std::io::BufRead;
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    for (name, url, mirror) in [
        ("box", "docker://openclaw-gw", true),
        ("gone", "kubectl://nowhere/gateways/deploy/openclaw", false),
        ("stuck", "kubectl://slow/gateways/deploy/openclaw", true),
    ] {
        let mut args = vec!["target", "add", name, url];
        if mirror {
            args.push("--mirror");
        }
        assert_eq!(w.authtray(&args, None).code, 0);
    }
    let access = format!("sk-ant-oat01-{}", "W".repeat(90));
    w.laptop.write_claude_login(&access, Some("sk-ant-ort01-REFRESH-never-sent"), now_ms() + 8 * 3_600_000);
    let mut cmd = w.laptop.authtray_command(&["--generation", "openclaw-json", "watch", "--json"]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut watch = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("watch");
    let out = watch.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let started = std::time::Instant::now();
    let mut first = rx.recv_timeout(Duration::from_secs(60)).expect("watch reports its start");
    if first["cause"] == "first-look" {
        first = rx.recv_timeout(Duration::from_secs(60)).expect("watch reports its start's mirror");
    }
    assert_eq!(first["cause"], "start");
    let start_took = started.elapsed();
    assert!(
        first["snapshot"]["lastSync"]["agents"][0]["action"] == "create",
        "the local mirror ran at once: {}",
        first["snapshot"]["lastSync"]
    );
    // Wait until the reachable target is mirrored and checked, and the dead one reported.
    // The dead target can fail before the start's own update is published: its alert may be there.
    let mut alerts = first["alerts"].as_array().cloned().unwrap_or_default();
    let settled = loop {
        let v = rx.recv_timeout(Duration::from_secs(90)).expect("target updates");
        alerts.extend(v["alerts"].as_array().cloned().unwrap_or_default());
        let targets = v["snapshot"]["targets"].as_array().cloned().unwrap_or_default();
        let of = |n: &str| targets.iter().find(|t| t["name"] == n).cloned().unwrap_or_default();
        if of("box")["reached"] == true && of("gone")["reached"] == false {
            break v;
        }
    };
    let _ = unsafe { libc::kill(-(watch.id() as i32), libc::SIGTERM) };
    let _ = watch.wait();
    // The hanging stand-in runs in its own process group (authtray starts every tool so).
    if let Some(pid) = std::fs::read_to_string(w.dir.path().join("stuck.pid")).ok().and_then(|p| p.trim().parse::<i32>().ok()) {
        let _ = unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let raw = std::fs::read_to_string(w.container.store_path()).expect("the container's store");
    assert!(raw.contains(&access) && !raw.contains("REFRESH-never-sent"), "the target got the access token only");
    let targets = settled["snapshot"]["targets"].as_array().unwrap();
    assert_eq!(targets.iter().map(|t| t["name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["box", "gone", "stuck"]);
    assert_eq!(targets[0]["overall"], "healthy", "{}", targets[0]);
    assert!(targets[0]["mirroredAt"].is_i64());
    assert_ne!(targets[2]["reached"], true, "{}", targets[2]);
    let lines: Vec<&str> =
        settled["snapshot"]["glance"]["targets"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert!(lines[0].starts_with("box — "), "{lines:?}");
    assert!(lines[1].starts_with("gone — cannot be reached since "), "{lines:?}");
    assert!(lines[2] == "stuck — checking…" || lines[2].starts_with("stuck — cannot be reached"), "{lines:?}");
    // One verdict: the unreachable target is on the headline's list and raised the icon.
    assert_eq!(settled["snapshot"]["glance"]["overall"], "attention", "{}", settled["snapshot"]["glance"]);
    assert!(
        alerts.iter().any(|a| a["kind"] == "target-unreachable" && a["summary"].as_str().unwrap().starts_with("gone unreachable since")),
        "{alerts:?}"
    );
    eprintln!("figures: watch with 3 targets (one hanging) reported its start in {:.2} s", start_took.as_secs_f64());
}

/// `status --all-targets` checks the saved targets now and judges them with this machine's
/// gateway, so the CLI tells what the tray tells.
#[test]
fn status_with_all_targets_judges_them_as_the_tray_does() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    assert_eq!(w.container.gateway_paste(&setup_token('C'), "anthropic:manual", Some("365d")).code, 0);
    let local = w.authtray(&["--generation", "openclaw-json", "paste-token", "--provider", "anthropic"], Some(&setup_token('H')));
    assert_eq!(local.code, 0, "{local:?}");
    assert_eq!(w.authtray(&["target", "add", "box", "docker://openclaw-gw"], None).code, 0);
    assert_eq!(w.authtray(&["target", "add", "gone", "kubectl://nowhere/gateways/deploy/openclaw"], None).code, 0);
    let plain = w.authtray(&["--generation", "openclaw-json", "status", "--json"], None).json();
    assert_eq!(plain["verdict"]["headline"], "All credentials healthy", "without the flag: this machine only");
    assert!(plain.get("targets").is_none());
    let out = w.authtray(&["--generation", "openclaw-json", "status", "--json", "--all-targets"], None);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["targets"][0]["reached"], true, "{}", v["targets"]);
    assert_eq!(v["targets"][0]["overall"], "healthy");
    assert_eq!(v["targets"][1]["reached"], false);
    assert_eq!(v["verdict"]["overall"], "attention");
    assert!(v["verdict"]["headline"].as_str().unwrap().starts_with("gone cannot be reached since"), "{}", v["verdict"]);
    let text = w.authtray(&["--generation", "openclaw-json", "status", "--all-targets"], None).stdout;
    assert!(text.contains("Other hosts\n  box — All credentials healthy\n  gone — cannot be reached since"), "{text}");
    assert!(text.contains("attention: gone cannot be reached since"), "{text}");
}

#[test]
fn a_gateway_that_runs_claude_code_in_its_container_is_judged_by_claude_codes_login_there() {
    let (Some(bin), Some(claude)) = (oracle(), claude_code_dir()) else { return };
    let w = World::new(&bin);
    // The container's gateway runs Claude Code (a legacy ref), with Claude Code on its PATH.
    std::os::unix::fs::symlink(claude.join("claude"), w.dir.path().join("gw-bin/claude")).expect("claude in the container");
    let mut config = w.container.config();
    config["agents"]["defaults"]["model"] = serde_json::json!({"primary": "claude-cli/claude-opus-4-5"});
    w.container.write_config(&config);
    let access = format!("sk-ant-oat01-{}", "Q".repeat(90));
    w.container.write_claude_login(&access, Some("sk-ant-ort01-R"), now_ms() + 8 * 3_600_000);
    assert_eq!(w.authtray(&["target", "add", "box", "docker://openclaw-gw"], None).code, 0);

    let out = w.authtray(&["--target", "box", "status", "--json", "--check"], None);
    assert_no_secret(&out, &access);
    let st = out.json();
    let route = &st["agents"][0]["routes"][0];
    assert_eq!((route["runtime"].as_str(), route["kind"].as_str()), (Some("claude-cli"), Some("claude-cli")), "{route}");
    assert_eq!(route["claudeCli"]["login"]["subscriptionType"], "max", "read there with claude auth status: {route}");
    assert_eq!(out.code, 0, "Claude Code is logged in where the gateway runs: {}", st["verdict"]);
    assert!(
        st["verdict"]["routes"][0]["text"].as_str().is_some_and(|t| t.starts_with("your Claude subscription, through Claude Code")),
        "{}",
        st["verdict"]
    );

    // Mirroring this laptop's login there would override Claude Code's own: refused, nothing written.
    let laptop_login = format!("sk-ant-oat01-{}", "L".repeat(90));
    w.laptop.write_claude_login(&laptop_login, Some("r"), now_ms() + 8 * 3_600_000);
    assert_eq!(w.authtray(&["target", "add", "mirrored", "docker://openclaw-gw", "--mirror"], None).code, 0);
    let sync = w.authtray(&["sync", "--all-targets", "--json", "--generation", "openclaw-json"], None);
    assert_no_secret(&sync, &laptop_login);
    assert!(sync.stdout.contains("not needed: its gateway runs Claude Code itself"), "{sync:?}");
    let raw = std::fs::read_to_string(w.container.store_path()).unwrap_or_default();
    assert!(!raw.contains(&laptop_login), "a copy went to a gateway that runs Claude Code");

    // Logged out there: not working, with the login as the fix (this laptop's login is no help).
    std::fs::remove_file(w.container.home().join(".claude/.credentials.json")).expect("log out there");
    let out = w.authtray(&["--target", "box", "status", "--json", "--check"], None);
    let st = out.json();
    assert_eq!(out.code, 1, "{}", st["verdict"]);
    assert!(
        st["verdict"]["headline"].as_str().is_some_and(|h| h.starts_with("Claude Code is not logged in where the gateway runs")),
        "{}",
        st["verdict"]
    );
    assert_eq!(st["verdict"]["problems"][0]["remedy"]["command"], "claude auth login");
    assert!(w.argv_log().contains("command -v claude"), "asked through the container: {}", w.argv_log());
}

#[test]
fn a_laptop_without_a_gateway_is_judged_by_its_targets() {
    let Some(bin) = oracle() else { return };
    let w = World::new(&bin);
    assert_eq!(w.container.gateway_paste(&setup_token('C'), "anthropic:manual", Some("365d")).code, 0);
    // Nothing of a gateway on the laptop: the VPS is the whole picture.
    std::fs::remove_dir_all(w.laptop.state_dir()).expect("no gateway here");
    assert_eq!(w.authtray(&["target", "add", "vps", "docker://openclaw-gw"], None).code, 0);
    let out = w.authtray(&["status", "--json", "--check", "--all-targets"], None);
    let v = out.json();
    assert_eq!(out.code, 0, "a healthy VPS and no gateway here is not an alarm: {}", v["verdict"]);
    assert_eq!((v["verdict"]["overall"].as_str(), v["verdict"]["headline"].as_str()), (Some("healthy"), Some("All gateways healthy")));
    assert!(v["verdict"]["setup"].is_object(), "setting up a gateway here stays on offer: {}", v["verdict"]);

    // A host that cannot be reached: the headline says so in words; what the transport said is detail.
    assert_eq!(w.authtray(&["target", "add", "gone", "docker://not-there"], None).code, 0);
    let out = w.authtray(&["status", "--json", "--check", "--all-targets"], None);
    let v = out.json();
    assert_eq!(out.code, 0, "{}", v["verdict"]);
    let top = &v["verdict"]["problems"][0];
    assert!(v["verdict"]["headline"].as_str().unwrap().starts_with("gone cannot be reached since"), "{}", v["verdict"]);
    assert!(
        !v["verdict"]["headline"].as_str().unwrap().contains("No such container"),
        "raw transport text in the headline: {}",
        v["verdict"]
    );
    assert!(top["details"].as_str().is_some_and(|d| d.contains("No such container")), "{top}");

    // The window pastes to the VPS through serve: no gateway here is needed for that.
    let serve = authtray_e2e::serve::Serve::start(&w.laptop, &[]);
    let session = serve.sign_in();
    let host = serve.host.as_str();
    let headers = [("Host", host), (authtray_e2e::serve::SESSION_HEADER, session.as_str()), ("Content-Type", "application/json")];
    let token = setup_token('W');
    let body =
        serde_json::json!({"token": format!("export ANTHROPIC_AUTH_TOKEN=\"{token}\""), "target": "vps", "profileId": "anthropic:web"});
    let a = authtray_e2e::serve::request(host, "POST", "/api/paste-target", &headers, body.to_string().as_bytes());
    assert_eq!(a.status, 200, "{a:?}");
    assert!(!a.body.contains(&token), "a full token in the answer");
    let pasted: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!((pasted["target"]["name"].as_str(), pasted["profileId"].as_str()), (Some("vps"), Some("anthropic:web")), "{pasted}");
    assert!(pasted["expiresAt"].as_i64().is_some_and(|e| e > now_ms() + 364 * 86_400_000), "a setup-token's year: {pasted}");
    let theirs = w.gateway_status();
    assert!(profile(&theirs, "anthropic:web").is_some(), "the VPS's gateway does not show the paste: {theirs}");
    let unknown = serde_json::json!({"token": token, "target": "nope"});
    let a = authtray_e2e::serve::request(host, "POST", "/api/paste-target", &headers, unknown.to_string().as_bytes());
    assert_eq!(a.status, 404, "{a:?}");
}
