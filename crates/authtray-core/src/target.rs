//! Gateways on other hosts: target URLs, and the local command that reaches each one.
//!
//! A remote gateway is reached by running *its own CLI* on its host through a transport (ssh,
//! `docker exec`, `kubectl exec`). Nothing from a URL is ever executed as given: every part is
//! checked against a narrow alphabet (no leading `-`, no spaces, quotes, `;` or `$`), host-side
//! words are always shell-quoted for ssh (which hands one string to a remote shell), and the
//! local argv puts `--` before anything taken from the URL where the tool allows it. A URL with
//! control characters or an option given twice is refused whole: it is saved and shown as
//! typed, so nothing in it may go unchecked.

use std::process::Command;

use crate::error::{Error, Result};

/// How a gateway host is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// `ssh://[user@]host[:port]`.
    Ssh {
        /// The login name (the ssh config's when `None`).
        user: Option<String>,
        /// Host name or address.
        host: String,
        /// Port (the ssh config's when `None`).
        port: Option<u16>,
    },
    /// `docker://CONTAINER`.
    Docker {
        /// Container name or id.
        container: String,
    },
    /// `kubectl://[CONTEXT/]NAMESPACE/RESOURCE[?container=C]`.
    Kubectl {
        /// kubeconfig context (the current one when `None`).
        context: Option<String>,
        /// Namespace.
        namespace: String,
        /// `pod-name` or `kind/name` (`deploy/openclaw`).
        resource: String,
        /// Container in the pod.
        container: Option<String>,
    },
}

/// What a target URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// A gateway install, written through its CLI on its host.
    Gateway {
        /// How to reach it.
        transport: Transport,
        /// `?cli=`: the remote CLI (default: the first of openclaw, clawdbot, moltbot on its PATH).
        cli: Option<String>,
        /// `?agent=`: the default agent.
        agent: Option<String>,
    },
    /// `k8s-secret://[CONTEXT/]NAMESPACE/SECRET#KEY?restart=KIND/NAME`: one key of a Secret.
    K8sSecret {
        /// kubeconfig context.
        context: Option<String>,
        /// Namespace.
        namespace: String,
        /// The Secret's name.
        secret: String,
        /// The key (`None`: chosen by what is pasted).
        key: Option<String>,
        /// What to restart after the update (`deployment/openclaw`).
        restart: Option<String>,
    },
}

/// A gateway on another host, as saved in the settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetEntry {
    /// What the user calls it (`vps`, `k8s-prod`).
    pub name: String,
    /// Where it is (`ssh://gw@vps.example`).
    pub url: String,
    /// Whether the live service mirrors Claude Code's login there.
    #[serde(default)]
    pub mirror: bool,
}

impl TargetEntry {
    /// Checks the name and the URL.
    pub fn validate(&self) -> Result<()> {
        let ok = !self.name.is_empty()
            && self.name.len() <= 64
            && !self.name.starts_with(['-', '.'])
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok || self.name == "local" {
            return Err(Error::InvalidInput(format!(
                "target name {:?}: use letters, digits, '.', '_' or '-' (and not \"local\", which is this machine's gateway)",
                self.name
            )));
        }
        parse(&self.url).map(|_| ())
    }

    /// The parsed URL.
    pub fn kind(&self) -> Result<TargetKind> {
        parse(&self.url)
    }
}

/// Local programs and options the transports use.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `ssh`.
    pub ssh: String,
    /// An ssh config file (`-F`), else the user's own.
    pub ssh_config: Option<std::path::PathBuf>,
    /// `docker` (or `podman`).
    pub docker: String,
    /// `kubectl`.
    pub kubectl: String,
    /// Seconds ssh may take to connect.
    pub connect_timeout_secs: u32,
}

impl Default for Tools {
    fn default() -> Self {
        Tools { ssh: "ssh".into(), ssh_config: None, docker: "docker".into(), kubectl: "kubectl".into(), connect_timeout_secs: 10 }
    }
}

impl Tools {
    /// The defaults, then the docker and kubectl programs chosen in the settings, then
    /// `AUTHTRAY_SSH`, `AUTHTRAY_SSH_CONFIG`, `AUTHTRAY_DOCKER` (e.g. `podman`) and
    /// `AUTHTRAY_KUBECTL` from the environment, which win (as a command-line choice does).
    pub(crate) fn from_env(env: &crate::env::Env) -> Tools {
        let mut t = Tools::default();
        // A settings file that cannot be read is reported by whatever reads it for its own
        // sake; here it only means no choice was saved.
        if let Ok(settings) = crate::settings::Settings::load(&crate::settings::Settings::path_for(env)) {
            t = t.with_settings(&settings);
        }
        if let Some(v) = env.get("AUTHTRAY_SSH").filter(|v| !v.is_empty()) {
            t.ssh = v.to_string();
        }
        t.ssh_config = env.path("AUTHTRAY_SSH_CONFIG");
        if let Some(v) = env.get("AUTHTRAY_DOCKER").filter(|v| !v.is_empty()) {
            t.docker = v.to_string();
        }
        if let Some(v) = env.get("AUTHTRAY_KUBECTL").filter(|v| !v.is_empty()) {
            t.kubectl = v.to_string();
        }
        t
    }
}

impl Tools {
    /// The docker and kubectl programs the settings chose, if any.
    fn with_settings(mut self, settings: &crate::settings::Settings) -> Tools {
        if let Some(d) = &settings.docker_command {
            self.docker = d.clone();
        }
        if let Some(k) = &settings.kubectl_command {
            self.kubectl = k.clone();
        }
        self
    }
}

/// Parses and checks a target URL. Anything outside the narrow alphabet is refused, never
/// quoted into something that runs.
pub(crate) fn parse(url: &str) -> Result<TargetKind> {
    // `{url:?}` shows control characters escaped, so the message itself is safe to print.
    let bad = |why: String| Error::InvalidInput(format!("target {url:?}: {why}"));
    if url.chars().any(char::is_control) {
        return Err(bad("has a control character (a newline, tab or terminal escape); type the URL again".into()));
    }
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| bad("must look like ssh://host, docker://NAME or kubectl://NS/RESOURCE".into()))?;
    // The query and the fragment, in either order (`#KEY?restart=…` as the workflow writes it).
    let cut = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, tail) = rest.split_at(cut);
    let mut query = Vec::new();
    let mut fragment = None;
    let mut tail = tail;
    while !tail.is_empty() {
        let (mark, body) = tail.split_at(1);
        let end = body.find(['?', '#']).unwrap_or(body.len());
        let (part, next) = body.split_at(end);
        match mark {
            "#" if fragment.is_none() => fragment = Some(part.to_string()),
            "?" => {
                for pair in part.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').ok_or_else(|| bad(format!("{pair:?} must be name=value")))?;
                    // Only the first of a repeated option would be checked and used; the rest
                    // would be saved unchecked.
                    if query.iter().any(|(seen, _)| seen == k) {
                        return Err(bad(format!("option {k:?} is given more than once")));
                    }
                    query.push((k.to_string(), v.to_string()));
                }
            }
            _ => return Err(bad("has more than one #".into())),
        }
        tail = next;
    }
    let take = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let allow = |names: &[&str]| -> Result<()> {
        match query.iter().find(|(k, _)| !names.contains(&k.as_str())) {
            Some((k, _)) => Err(bad(format!("unknown option {k:?} (known: {})", names.join(", ")))),
            None => Ok(()),
        }
    };
    let words = |s: &str| -> Result<Vec<String>> { s.split('/').map(|w| word(w, url).map(str::to_string)).collect() };
    let opt_word = |name: &str| -> Result<Option<String>> { take(name).map(|v| word(&v, url).map(str::to_string)).transpose() };
    match scheme {
        "ssh" | "docker" | "kubectl" => {
            if fragment.is_some() {
                return Err(bad("# is for k8s-secret:// targets".into()));
            }
            let transport = match scheme {
                "ssh" => {
                    allow(&["cli", "agent"])?;
                    let (user, hostport) = match path.rsplit_once('@') {
                        Some((u, h)) => (Some(word(u, url)?.to_string()), h),
                        None => (None, path),
                    };
                    let (host, port) = match hostport.rsplit_once(':') {
                        Some((h, p)) => {
                            let port = p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| bad(format!("port {p:?} is not a port")))?;
                            (h, Some(port))
                        }
                        None => (hostport, None),
                    };
                    Transport::Ssh { user, host: word(host, url)?.to_string(), port }
                }
                "docker" => {
                    allow(&["cli", "agent"])?;
                    Transport::Docker { container: word(path, url)?.to_string() }
                }
                _ => {
                    allow(&["cli", "agent", "container"])?;
                    let w = words(path)?;
                    let (context, namespace, resource) = match w.as_slice() {
                        [ns, pod] => (None, ns.clone(), pod.clone()),
                        [ns, kind, name] if is_kind(kind) => (None, ns.clone(), format!("{kind}/{name}")),
                        [ctx, ns, pod] => (Some(ctx.clone()), ns.clone(), pod.clone()),
                        [ctx, ns, kind, name] if is_kind(kind) => (Some(ctx.clone()), ns.clone(), format!("{kind}/{name}")),
                        _ => return Err(bad("must look like kubectl://[CONTEXT/]NAMESPACE/deploy/NAME or …/NAMESPACE/POD".into())),
                    };
                    Transport::Kubectl { context, namespace, resource, container: opt_word("container")? }
                }
            };
            Ok(TargetKind::Gateway { transport, cli: opt_word("cli")?, agent: opt_word("agent")? })
        }
        "k8s-secret" => {
            allow(&["restart"])?;
            let w = words(path)?;
            let (context, namespace, secret) = match w.as_slice() {
                [ns, secret] => (None, ns.clone(), secret.clone()),
                [ctx, ns, secret] => (Some(ctx.clone()), ns.clone(), secret.clone()),
                _ => return Err(bad("must look like k8s-secret://[CONTEXT/]NAMESPACE/SECRET#KEY".into())),
            };
            let key = fragment.map(|k| word(&k, url).map(str::to_string)).transpose()?;
            let restart = match take("restart") {
                Some(r) => {
                    let parts = words(&r)?;
                    match parts.as_slice() {
                        [kind, _] if is_kind(kind) => Some(parts.join("/")),
                        _ => return Err(bad(format!("restart={r:?} must look like deployment/NAME"))),
                    }
                }
                None => None,
            };
            Ok(TargetKind::K8sSecret { context, namespace, secret, key, restart })
        }
        other => Err(bad(format!("unknown scheme {other:?} (ssh, docker, kubectl, k8s-secret)"))),
    }
}

/// Kubernetes resource kinds `kubectl exec` and `rollout restart` take by name.
fn is_kind(s: &str) -> bool {
    matches!(
        s,
        "pod" | "pods" | "po" | "deploy" | "deployment" | "deployments" | "statefulset" | "statefulsets" | "sts" | "daemonset" | "ds"
    )
}

/// One part of a URL: letters, digits, `.`, `_`, `-` (and `:` for kubeconfig contexts like
/// `arn:aws:…`), not starting with `-` or `.`, at most 253 characters.
fn word<'a>(s: &'a str, url: &str) -> Result<&'a str> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['-', '.'])
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
    if ok {
        Ok(s)
    } else {
        Err(Error::InvalidInput(format!(
            "target {url:?}: {s:?} is not allowed there (letters, digits, '.', '_', '-' only, not starting with '-')"
        )))
    }
}

/// Quotes a word for a POSIX shell: as is when it is plainly safe, else in single quotes.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '=' | '@' | '+' | ',')) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The one string ssh hands to the remote login shell, which runs `words` (program first) under
/// `sh` whatever that login shell is.
///
/// sshd runs the string with the user's login shell, which may be fish, csh or nushell, and
/// those read POSIX quoting differently (fish takes `\\` and `\'` as escapes inside single
/// quotes, csh stops at a newline and expands `!`). So the string is
/// `sh -c 'eval "$(printf %b "…")"'`, where `…` is the POSIX-quoted command with every byte
/// outside a plain alphabet written as a `printf %b` octal escape (`\0ooo`): the login shell
/// sees one single-quoted word with no `'`, no `\` before `\` or `'`, no newline and no `!`,
/// which every shell keeps as it is; `sh` then decodes and runs the command.
pub(crate) fn ssh_remote_line(words: &[String]) -> String {
    let script: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
    let mut encoded = String::new();
    for b in script.join(" ").bytes() {
        if b.is_ascii_alphanumeric() || b" .,_-/:=@+%".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("\\0{b:03o}"));
        }
    }
    format!("sh -c 'eval \"$(printf %b \"{encoded}\")\"'")
}

impl Transport {
    /// The local command that runs `argv` (program first) on the gateway host with `env` set
    /// there. Secrets never go here: they travel on stdin.
    pub(crate) fn command(&self, tools: &Tools, argv: &[String], env: &[(String, String)]) -> Command {
        let env_words: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        match self {
            Transport::Ssh { user, host, port } => {
                let mut c = Command::new(&tools.ssh);
                c.arg("-T").args(["-o", "BatchMode=yes"]).arg("-o").arg(format!("ConnectTimeout={}", tools.connect_timeout_secs));
                if let Some(f) = &tools.ssh_config {
                    c.arg("-F").arg(f);
                }
                if let Some(p) = port {
                    c.arg("-p").arg(p.to_string());
                }
                if let Some(u) = user {
                    c.arg("-l").arg(u);
                }
                let remote: Vec<String> = ["env".to_string()].into_iter().chain(env_words).chain(argv.iter().cloned()).collect();
                c.arg("--").arg(host).arg(ssh_remote_line(&remote));
                c
            }
            Transport::Docker { container } => {
                let mut c = Command::new(&tools.docker);
                c.args(["exec", "-i"]);
                for e in &env_words {
                    c.arg("-e").arg(e);
                }
                c.arg(container).args(argv);
                c
            }
            Transport::Kubectl { context, namespace, resource, container } => {
                let mut c = Command::new(&tools.kubectl);
                if let Some(ctx) = context {
                    c.arg("--context").arg(ctx);
                }
                c.arg("-n").arg(namespace).args(["exec", "-i"]).arg(resource);
                if let Some(ct) = container {
                    c.arg("-c").arg(ct);
                }
                c.arg("--").arg("env").args(&env_words).args(argv);
                c
            }
        }
    }

    /// Where it points, for messages: `gateway@vps:2222`, `container openclaw`, `gateways/deploy/openclaw`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Transport::Ssh { user, host, port } => {
                let u = user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
                let p = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{u}{host}{p}")
            }
            Transport::Docker { container } => format!("container {container}"),
            Transport::Kubectl { context, namespace, resource, .. } => {
                let c = context.as_ref().map(|c| format!("{c}/")).unwrap_or_default();
                format!("{c}{namespace}/{resource}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(c: &Command) -> Vec<String> {
        std::iter::once(c.get_program()).chain(c.get_args()).map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn urls_of_each_kind_parse() {
        assert_eq!(
            parse("ssh://gw@vps.example:2222?cli=openclaw&agent=work").unwrap(),
            TargetKind::Gateway {
                transport: Transport::Ssh { user: Some("gw".into()), host: "vps.example".into(), port: Some(2222) },
                cli: Some("openclaw".into()),
                agent: Some("work".into()),
            }
        );
        assert_eq!(
            parse("docker://openclaw-gateway").unwrap(),
            TargetKind::Gateway { transport: Transport::Docker { container: "openclaw-gateway".into() }, cli: None, agent: None }
        );
        let k = |u: &str| match parse(u).unwrap() {
            TargetKind::Gateway { transport: Transport::Kubectl { context, namespace, resource, container }, .. } => {
                (context, namespace, resource, container)
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(k("kubectl://gateways/deploy/openclaw"), (None, "gateways".into(), "deploy/openclaw".into(), None));
        assert_eq!(
            k("kubectl://prod/gateways/openclaw-0?container=gw"),
            (Some("prod".into()), "gateways".into(), "openclaw-0".into(), Some("gw".into()))
        );
        assert_eq!(k("kubectl://arn:aws:eks:x/gw/deploy/oc").0.as_deref(), Some("arn:aws:eks:x"));
        assert_eq!(
            parse("k8s-secret://prod/gateways/openclaw-secrets#ANTHROPIC_OAUTH_TOKEN?restart=deployment/openclaw").unwrap(),
            TargetKind::K8sSecret {
                context: Some("prod".into()),
                namespace: "gateways".into(),
                secret: "openclaw-secrets".into(),
                key: Some("ANTHROPIC_OAUTH_TOKEN".into()),
                restart: Some("deployment/openclaw".into()),
            }
        );
    }

    #[test]
    fn hostile_urls_are_refused_not_quoted_into_commands() {
        for url in [
            "ssh://-oProxyCommand=touch%20x",
            "ssh://host;reboot",
            "ssh://ho st",
            "ssh://$(id)",
            "ssh://`id`",
            "ssh://'host'",
            "ssh://-l@host",
            "ssh://user@-host",
            "ssh://host:22;id",
            "ssh://host:0",
            "ssh://host?cli=openclaw;id",
            "ssh://host?cli=-v",
            "ssh://host?agent=$(id)",
            "ssh://host?evil=1",
            "docker://-it",
            "docker://a b",
            "kubectl://-n/deploy/x",
            "kubectl://ns/deploy/x?container=-it",
            "kubectl://ns/deploy/x;id",
            "kubectl://a/b/c/d/e",
            "k8s-secret://ns/s#KEY;id",
            "k8s-secret://ns/s?restart=deployment/x;id",
            "k8s-secret://ns/s?restart=-f",
            "ftp://host",
            "host",
        ] {
            assert!(parse(url).is_err(), "{url} was accepted");
        }
    }

    #[test]
    fn repeated_options_and_control_characters_are_refused_anywhere() {
        for url in [
            "ssh://host?cli=openclaw&cli=\u{1b}]0;owned\u{7}",
            "ssh://host?agent=a?agent=b",
            "kubectl://ns/deploy/x?container=a&container=b",
            "k8s-secret://ns/s#KEY?restart=deployment/a&restart=deployment/b",
            "ssh://host\n",
            "ssh://host?cli=openclaw\r",
            "ssh://ho\tst",
            "docker://oc?agent=main\u{9b}31m",
            "k8s-secret://ns/s#K\u{1b}[2J",
        ] {
            let e = parse(url).expect_err(url).to_string();
            assert!(!e.chars().any(char::is_control), "the message carries the raw control character: {e:?}");
            let entry = TargetEntry { name: "gw".into(), url: url.into(), mirror: false };
            assert!(entry.validate().is_err(), "{url:?} would be saved");
        }
        assert!(parse("ssh://host?cli=openclaw&cli=x").unwrap_err().to_string().contains("\"cli\" is given more than once"));
        assert!(parse("ssh://host?cli=openclaw&agent=main").is_ok());
        // Refused whole, before any part is looked at: a new option cannot forget the check.
        assert!(parse("ssh://host?cli=open\u{1b}claw").unwrap_err().to_string().contains("control character"));
    }

    #[test]
    fn target_names_are_plain_words_and_never_local() {
        let check = |name: &str| TargetEntry { name: name.into(), url: "ssh://vps.example".into(), mirror: false }.validate();
        for name in ["vps", "k8s-prod_1.eu", "A", &"n".repeat(64)] {
            check(name).unwrap_or_else(|e| panic!("{name:?} was refused: {e}"));
        }
        for name in ["", &"n".repeat(65), "-vps", ".vps", "my vps", "vps;id", "local"] {
            let e = check(name).expect_err(name).to_string();
            assert!(e.contains("letters, digits"), "{e}");
        }
        let bad_url = TargetEntry { name: "vps".into(), url: "ssh://ho st".into(), mirror: false };
        assert!(bad_url.validate().is_err());
    }

    #[test]
    fn tools_come_from_the_environment_then_the_settings_then_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().to_str().unwrap();
        let saved = crate::settings::Settings {
            docker_command: Some("podman".into()),
            kubectl_command: Some("/opt/k8s/kubectl".into()),
            ..Default::default()
        };
        saved.save(&crate::settings::Settings::path(dir.path())).unwrap();
        let t = Tools::from_env(&crate::env::Env::from_pairs([("AUTHTRAY_CONFIG_DIR", config)]));
        assert_eq!((t.docker.as_str(), t.kubectl.as_str(), t.ssh.as_str()), ("podman", "/opt/k8s/kubectl", "ssh"));
        let t = Tools::from_env(&crate::env::Env::from_pairs([("AUTHTRAY_CONFIG_DIR", config), ("AUTHTRAY_DOCKER", "nerdctl")]));
        assert_eq!((t.docker.as_str(), t.kubectl.as_str()), ("nerdctl", "/opt/k8s/kubectl"));
        // A settings file that cannot be read leaves the defaults (its reader reports it).
        std::fs::write(crate::settings::Settings::path(dir.path()), "{nope").unwrap();
        let t = Tools::from_env(&crate::env::Env::from_pairs([("AUTHTRAY_CONFIG_DIR", config)]));
        assert_eq!((t.docker.as_str(), t.kubectl.as_str()), ("docker", "kubectl"));

        let empty = tempfile::tempdir().unwrap();
        let empty = empty.path().to_str().unwrap();
        let t = Tools::from_env(&crate::env::Env::from_pairs([
            ("AUTHTRAY_CONFIG_DIR", empty),
            ("AUTHTRAY_SSH", "/opt/bin/ssh"),
            ("AUTHTRAY_DOCKER", "podman"),
            ("AUTHTRAY_KUBECTL", "/opt/bin/kubectl"),
            ("AUTHTRAY_SSH_CONFIG", "/etc/authtray/ssh_config"),
        ]));
        assert_eq!((t.ssh.as_str(), t.docker.as_str(), t.kubectl.as_str()), ("/opt/bin/ssh", "podman", "/opt/bin/kubectl"));
        assert_eq!(t.ssh_config.as_deref(), Some(std::path::Path::new("/etc/authtray/ssh_config")));
        let t =
            Tools::from_env(&crate::env::Env::from_pairs([("AUTHTRAY_CONFIG_DIR", empty), ("AUTHTRAY_SSH", ""), ("AUTHTRAY_DOCKER", " ")]));
        assert_eq!((t.ssh.as_str(), t.docker.as_str(), t.kubectl.as_str(), t.ssh_config), ("ssh", "docker", "kubectl", None));
    }

    #[test]
    fn a_pod_needs_no_context_and_a_second_fragment_is_refused() {
        assert_eq!(
            parse("kubectl://gateways/openclaw-0").unwrap(),
            TargetKind::Gateway {
                transport: Transport::Kubectl {
                    context: None,
                    namespace: "gateways".into(),
                    resource: "openclaw-0".into(),
                    container: None
                },
                cli: None,
                agent: None,
            }
        );
        for url in ["k8s-secret://ns/s#KEY#OTHER", "k8s-secret://ns/s#KEY?restart=deployment/a#OTHER"] {
            let e = parse(url).expect_err(url).to_string();
            assert!(e.contains("more than one #"), "{e}");
        }
    }

    #[test]
    fn only_known_kinds_are_taken_as_a_kind() {
        // Four words need a kind in the third place; a restart needs one in the first.
        let e = parse("kubectl://prod/gateways/configmap/openclaw").unwrap_err().to_string();
        assert!(e.contains("must look like kubectl://"), "{e}");
        assert!(parse("kubectl://prod/gateways/sts/openclaw").is_ok());
        let e = parse("k8s-secret://ns/s#KEY?restart=configmap/openclaw").unwrap_err().to_string();
        assert!(e.contains("must look like deployment/NAME"), "{e}");
        assert!(parse("k8s-secret://ns/s#KEY?restart=statefulset/openclaw").is_ok());
    }

    #[test]
    fn words_are_not_empty_nor_longer_than_253() {
        assert!(parse(&format!("docker://{}", "w".repeat(253))).is_ok());
        for url in [format!("docker://{}", "w".repeat(254)), "docker://".into(), "kubectl://ns//x".into(), "ssh://@host".into()] {
            let e = parse(&url).expect_err(&url).to_string();
            assert!(e.contains("is not allowed there"), "{e}");
        }
    }

    #[test]
    fn transports_describe_where_they_point() {
        let describe = |u: &str| match parse(u).unwrap() {
            TargetKind::Gateway { transport, .. } => transport.describe(),
            other => panic!("{other:?}"),
        };
        assert_eq!(describe("ssh://gw@vps.example:2222"), "gw@vps.example:2222");
        assert_eq!(describe("ssh://vps.example"), "vps.example");
        assert_eq!(describe("docker://openclaw"), "container openclaw");
        assert_eq!(describe("kubectl://prod/gateways/deploy/openclaw"), "prod/gateways/deploy/openclaw");
        assert_eq!(describe("kubectl://gateways/openclaw-0"), "gateways/openclaw-0");
    }

    #[test]
    fn ssh_gets_one_quoted_string_and_the_host_after_a_double_dash() {
        let t = Transport::Ssh { user: Some("gw".into()), host: "127.0.0.1".into(), port: Some(2222) };
        let c = t.command(
            &Tools::default(),
            &["openclaw".into(), "models".into(), "--profile-id".into(), "anthropic:it's".into()],
            &[("NO_COLOR".into(), "1".into())],
        );
        let a = argv(&c);
        assert_eq!(&a[..4], ["ssh", "-T", "-o", "BatchMode=yes"]);
        let dd = a.iter().position(|x| x == "--").unwrap();
        assert_eq!(a[dd + 1], "127.0.0.1");
        assert_eq!(
            a[dd + 2],
            r#"sh -c 'eval "$(printf %b "env NO_COLOR=1 openclaw models --profile-id \0047anthropic:it\0047\0134\0047\0047s\0047")"'"#
        );
        assert!(a.contains(&"ConnectTimeout=10".to_string()) && a.contains(&"2222".to_string()));
    }

    #[test]
    fn docker_and_kubectl_get_the_argv_as_words() {
        let d = Transport::Docker { container: "oc".into() }.command(&Tools::default(), &["openclaw".into(), "x y".into()], &[]);
        assert_eq!(argv(&d), ["docker", "exec", "-i", "oc", "openclaw", "x y"]);
        let k = Transport::Kubectl {
            context: Some("prod".into()),
            namespace: "gw".into(),
            resource: "deploy/oc".into(),
            container: Some("c".into()),
        }
        .command(&Tools::default(), &["openclaw".into()], &[("NO_COLOR".into(), "1".into())]);
        assert_eq!(
            argv(&k),
            ["kubectl", "--context", "prod", "-n", "gw", "exec", "-i", "deploy/oc", "-c", "c", "--", "env", "NO_COLOR=1", "openclaw"]
        );
    }

    /// Values every shell treats differently somewhere: quotes, `$`, backslashes next to quotes
    /// (fish), newlines and `!` (csh), a trailing newline, a `%` (printf), non-ASCII.
    const HOSTILE: [&str; 16] =
        ["it's", "$(id)", "`id`", "$HOME", "a\\b", "a\\", "\\'", "\\\\", "x\ny", "!x", "\"q\"", "%s%b\\0101", "é ü", "tail\n", "-x", "*"];

    #[test]
    fn the_ssh_line_runs_the_same_argv_under_sh_and_bash() {
        let t = Transport::Ssh { user: None, host: "h".into(), port: None };
        // The program prints each argument and an env value, NUL-terminated, as the host's sh got them.
        let mut words: Vec<String> = ["sh", "-c", r#"printf '%s\0' "$V" "$@""#, "_"].map(String::from).to_vec();
        words.extend(HOSTILE.map(String::from));
        let c = t.command(&Tools::default(), &words, &[("V".into(), "v'$(id)\\'\n!".into())]);
        let line = argv(&c).pop().unwrap();
        let mut want = vec!["v'$(id)\\'\n!".to_string()];
        want.extend(HOSTILE.map(String::from));
        // Only sh and bash are here; the next test checks the line holds nothing fish or csh read differently.
        for login in ["sh", "bash"] {
            let out = std::process::Command::new(login).arg("-c").arg(&line).output().unwrap();
            assert!(out.status.success(), "{login}: {}", String::from_utf8_lossy(&out.stderr));
            let got: Vec<String> = String::from_utf8(out.stdout).unwrap().split_terminator('\0').map(String::from).collect();
            assert_eq!(got, want, "{login} ran {line}");
        }
    }

    #[test]
    fn the_ssh_line_is_one_word_every_login_shell_reads_literally() {
        let mut words = vec!["env".to_string(), "K=it's".into()];
        words.extend(HOSTILE.map(String::from));
        let line = ssh_remote_line(&words);
        let body = line.strip_prefix("sh -c '").and_then(|l| l.strip_suffix('\'')).unwrap_or_else(|| panic!("not sh -c '…': {line}"));
        // Inside single quotes: fish rewrites \\ and \', csh stops at a newline and expands !,
        // and a ' would end the word. Nothing else is special to any of them.
        assert!(body.is_ascii() && !body.chars().any(|c| c.is_ascii_control()), "{line}");
        assert!(!body.contains(['\'', '!']) && !body.contains("\\\\") && !body.contains("\\'"), "{line}");
    }

    #[test]
    fn shell_quoting_survives_every_metacharacter() {
        for s in ["plain", "", "a b", "it's", "$(id)", "`id`", "a;b", "-x", "\"q\"", "a\nb", "*"] {
            let q = shell_quote(s);
            let out = std::process::Command::new("sh").arg("-c").arg(format!("printf %s {q}")).output().unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), s, "{q}");
        }
    }
}
