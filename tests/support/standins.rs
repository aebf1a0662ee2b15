//! Stand-in `docker` and `kubectl` for targets (no container daemon or cluster runs here):
//! shell scripts that check the argv authtray sends, fail as the real tools do on a wrong
//! container, context or resource, and run the command in a second HOME (the "container")
//! holding a real gateway. The Secret stand-in keeps a file per key and applies the one-key
//! merge patch it reads on stdin; context `slow` hangs. Every call's argv is logged.

use std::path::Path;
use std::time::Duration;

use crate::{run, Out, Sandbox, OPENCLAW_JSON};

/// The stand-ins and the "container": a second HOME with a real gateway.
pub struct World {
    /// authtray's side, with the stand-ins first on its PATH.
    pub laptop: Sandbox,
    /// The "container": a second HOME with a real openclaw 2026.5.28.
    pub container: Sandbox,
    /// Stand-ins, their log, the Secret's keys.
    pub dir: tempfile::TempDir,
}

impl World {
    /// Builds both sides; `bin` is the oracle bin dir.
    pub fn new(bin: &Path) -> World {
        let dir = tempfile::Builder::new().prefix("authtray-standins-").tempdir().expect("temp dir");
        let gw_bin = dir.path().join("gw-bin");
        std::fs::create_dir_all(&gw_bin).unwrap();
        // The gateway's CLI as the container's PATH has it.
        std::os::unix::fs::symlink(bin.join(OPENCLAW_JSON.oracle), gw_bin.join("openclaw")).unwrap();
        let container = Sandbox::new(OPENCLAW_JSON, bin.to_path_buf());
        let secrets = dir.path().join("secrets/openclaw-secrets");
        std::fs::create_dir_all(&secrets).unwrap();
        let standins = dir.path().join("standins");
        std::fs::create_dir_all(&standins).unwrap();
        let vars = format!(
            "LOG='{log}'\nGW_HOME='{home}'\nGW_PATH='{gw_bin}:/usr/bin:/bin'\nSECRETS='{secrets}'\nSTATE='{state}'\n",
            log = dir.path().join("argv.log").display(),
            home = container.home().display(),
            gw_bin = gw_bin.display(),
            secrets = dir.path().join("secrets").display(),
            state = dir.path().display(),
        );
        write_script(&standins.join("docker"), &format!("{vars}{DOCKER}"));
        write_script(&standins.join("kubectl"), &format!("{vars}{KUBECTL}"));
        let mut laptop = Sandbox::offline(OPENCLAW_JSON);
        laptop.path_prefix = Some(standins);
        World { laptop, container, dir }
    }

    /// Runs authtray on the laptop side.
    pub fn authtray(&self, args: &[&str], stdin: Option<&str>) -> Out {
        run(self.laptop.authtray_command(args), stdin, Duration::from_secs(120))
    }

    /// What the gateway in the container says of itself, asked directly.
    pub fn gateway_status(&self) -> serde_json::Value {
        let mut cmd = std::process::Command::new(self.container.bin.join(OPENCLAW_JSON.oracle));
        cmd.args(["models", "status", "--json"]).env("HOME", self.container.home()).env("NO_COLOR", "1");
        let out = run(cmd, None, Duration::from_secs(60));
        let start = out.stdout.find('{').expect("JSON from the gateway");
        serde_json::from_str(&out.stdout[start..]).expect("JSON")
    }

    /// Every stand-in call's argv.
    pub fn argv_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("argv.log")).unwrap_or_default()
    }

    /// One key of the Secret `openclaw-secrets`.
    pub fn secret_file(&self, key: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("secrets/openclaw-secrets").join(key)).ok()
    }
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    let mut p = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o755);
    std::fs::set_permissions(path, p).unwrap();
}

/// `docker exec -i [-e K=V]… CONTAINER argv…`, container `openclaw-gw`.
const DOCKER: &str = r#"
echo "docker $*" >> "$LOG"
[ "$1" = exec ] && [ "$2" = -i ] || { echo "docker stand-in: unexpected argv: $*" >&2; exit 64; }
shift 2
while [ "$1" = -e ]; do export "$2"; shift 2; done
[ "$1" = openclaw-gw ] || { echo "Error response from daemon: No such container: $1" >&2; exit 1; }
shift
cd "$GW_HOME" && HOME="$GW_HOME" PATH="$GW_PATH" exec "$@"
"#;

/// `kubectl [--context prod] -n gateways exec -i deploy/openclaw [-c gateway] -- env … argv…`,
/// and the Secret calls: `get secret … -o go-template=…`, `patch secret … --type merge
/// --patch-file /dev/stdin`, `rollout restart|status deployment/openclaw`.
const KUBECTL: &str = r#"
echo "kubectl $*" >> "$LOG"
if [ "$1" = --context ]; then
  # A host that hangs: answers nothing for longer than any test waits.
  [ "$2" = slow ] && { echo $$ > "$STATE/stuck.pid"; sleep 120 & wait; exit 1; }
  [ "$2" = prod ] || { echo "error: context \"$2\" does not exist" >&2; exit 1; }
  shift 2
fi
[ "$1" = -n ] && [ "$2" = gateways ] || { echo "kubectl stand-in: expected -n gateways: $*" >&2; exit 64; }
shift 2
case "$1 $2" in
"exec -i")
  [ "$3" = deploy/openclaw ] || { echo "Error from server (NotFound): deployments.apps \"${3#*/}\" not found" >&2; exit 1; }
  shift 3
  if [ "$1" = -c ]; then [ "$2" = gateway ] || { echo "error: container $2 not found" >&2; exit 1; }; shift 2; fi
  [ "$1" = -- ] || { echo "kubectl stand-in: no -- before the command" >&2; exit 64; }
  shift
  cd "$GW_HOME" && HOME="$GW_HOME" PATH="$GW_PATH" exec "$@" ;;
"get secret")
  [ -d "$SECRETS/$3" ] || { echo "Error from server (NotFound): secrets \"$3\" not found" >&2; exit 1; }
  [ "$4 $5" = "-o name" ] && { echo "secret/$3"; exit 0; }
  key=$(printf '%s' "$5" | sed -n 's/^go-template={{with index \.data "\([A-Za-z0-9_.-]*\)"}}{{base64decode \.}}{{end}}$/\1/p')
  [ "$4" = -o ] && [ -n "$key" ] || { echo "kubectl stand-in: unexpected get: $*" >&2; exit 64; }
  [ -f "$SECRETS/$3/$key" ] && cat "$SECRETS/$3/$key"
  exit 0 ;;
"patch secret")
  [ -d "$SECRETS/$3" ] || { echo "Error from server (NotFound): secrets \"$3\" not found" >&2; exit 1; }
  [ "$4 $5 $6 $7" = "--type merge --patch-file /dev/stdin" ] || { echo "kubectl stand-in: unexpected patch argv: $*" >&2; exit 64; }
  patch=$(cat)
  # A merge patch naming exactly one key: the API server keeps every other key.
  key=$(printf '%s' "$patch" | sed -n 's/^{"stringData":{"\([A-Za-z0-9_.-]*\)":"[^"\\]*"}}$/\1/p')
  value=$(printf '%s' "$patch" | sed -n 's/^{"stringData":{"[A-Za-z0-9_.-]*":"\([^"\\]*\)"}}$/\1/p')
  [ -n "$key" ] || { echo "kubectl stand-in: not a one-key stringData merge patch" >&2; exit 65; }
  printf '%s' "$value" > "$SECRETS/$3/$key"
  echo "secret/$3 patched" ;;
"rollout restart")
  echo "$3" >> "$STATE/restarts"
  echo "$3 restarted" ;;
"rollout status")
  [ -f "$STATE/rollout-fails" ] && { echo "error: timed out waiting for the condition" >&2; exit 1; }
  echo "$3 successfully rolled out" ;;
*)
  echo "kubectl stand-in: unexpected argv: $*" >&2; exit 64 ;;
esac
"#;
