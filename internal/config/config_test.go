package config

import (
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// parse registers Default's settings in scope, parses args and applies env.
func parse(t *testing.T, scope Scope, env map[string]string, args ...string) (Config, *pflag.FlagSet, error) {
	t.Helper()
	c := Default()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c.Register(fs, scope)
	if err := fs.Parse(args); err != nil {
		return c, fs, err
	}
	return c, fs, c.ApplyEnv(fs, func(k string) string { return env[k] })
}

// Every setting has a flag and an environment variable named alike:
// BASTION_ plus the flag in capitals, or SLACK_… for Slack's own names.
func TestEverySettingHasAFlagAndAnEnvironmentVariable(t *testing.T) {
	exceptions := map[string]string{
		"api-key": "BASTION_API_KEYS", // one key per flag, a list in the variable
		"dir":     "BASTION_DEV_DIR",  // only `bastion dev` has it
	}
	var c Config
	seen := map[string]bool{}
	for _, s := range c.Settings() {
		if s.Flag == "" || s.Env == "" || s.Usage == "" || s.Scope == 0 {
			t.Errorf("setting %+v lacks a flag, variable, usage or scope", s)
		}
		want := strings.ToUpper(strings.ReplaceAll(s.Flag, "-", "_"))
		if !strings.HasPrefix(want, "SLACK_") {
			want = "BASTION_" + want
		}
		if e, ok := exceptions[s.Flag]; ok {
			want = e
		}
		if s.Env != want {
			t.Errorf("--%s reads %s; want %s", s.Flag, s.Env, want)
		}
		if seen[s.Flag] || seen[s.Env] {
			t.Errorf("--%s / %s declared twice", s.Flag, s.Env)
		}
		seen[s.Flag], seen[s.Env] = true, true
	}
}

// The README's Configuration table lists every setting with its flag and
// variable, and names no variable that is not a setting.
func TestREADMEConfigurationTableListsEverySetting(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "\n## Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string]string{} // env -> row
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		for _, env := range regexp.MustCompile("`((?:BASTION|SLACK)_[A-Z_]+)`").FindAllStringSubmatch(line, -1) {
			rows[env[1]] = line
		}
	}
	c := Default()
	known := map[string]bool{}
	for _, s := range c.Settings() {
		known[s.Env] = true
		row, ok := rows[s.Env]
		if !ok {
			t.Errorf("README's Configuration table has no row for %s", s.Env)
			continue
		}
		if !strings.Contains(row, "`--"+s.Flag+"`") {
			t.Errorf("README's row for %s does not name --%s: %s", s.Env, s.Flag, row)
		}
		if d := s.Value(); d != "" && !strings.Contains(row, d) {
			t.Errorf("README's row for %s does not give its default %q: %s", s.Env, d, row)
		}
	}
	for env := range rows {
		if !known[env] {
			t.Errorf("README's Configuration table names %s, which is not a setting", env)
		}
	}
}

func TestFlagsBeatTheEnvironmentWhichBeatsDefaults(t *testing.T) {
	env := map[string]string{"BASTION_DB": "mysql://u:p@h:3306/d", "BASTION_USERS_IN_MEMORY": "7",
		"BASTION_FOLLOW_INTERVAL": "1s", "BASTION_INSECURE_NO_AUTH": "true", "BASTION_API_KEYS": "k2, k3,"}
	c, fs, err := parse(t, Global|Serve, env, "--db", "flag.db", "--api-key", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "flag.db" || c.UsersInMemory != 7 || c.FollowInterval != time.Second || !c.InsecureNoAuth {
		t.Errorf("config = %+v", c)
	}
	if strings.Join(c.APIKeys, ",") != "k1,k2,k3" {
		t.Errorf("API keys = %q; want the flag's and the environment's", c.APIKeys)
	}
	if !fs.Changed("users-in-memory") || fs.Changed("addr") {
		t.Errorf("Changed: users-in-memory %v, addr %v", fs.Changed("users-in-memory"), fs.Changed("addr"))
	}
	d, _, err := parse(t, Global|Serve, nil)
	if err != nil || d.DB != "bastion.db" || d.Addr != "127.0.0.1:8080" || d.InstallCacheTTL != 30*time.Second {
		t.Errorf("defaults = %+v, %v", d, err)
	}
	if _, _, err := parse(t, Global, nil, "--bot-workers", "2"); err == nil {
		t.Error("a serve setting was accepted as a global flag")
	}
}

func TestBadValuesNameTheirSetting(t *testing.T) {
	for env, want := range map[string]string{
		"BASTION_USERS_IN_MEMORY":      `BASTION_USERS_IN_MEMORY="lots": want a whole number`,
		"BASTION_INSTALL_CACHE_TTL":    `BASTION_INSTALL_CACHE_TTL="lots": want a duration such as 30s or 15m`,
		"BASTION_APPROVAL_RUN_TIMEOUT": `BASTION_APPROVAL_RUN_TIMEOUT="lots": want a duration`,
		"BASTION_INSECURE_NO_AUTH":     `BASTION_INSECURE_NO_AUTH="lots": want true or false`,
	} {
		if _, _, err := parse(t, Global|Serve, map[string]string{env: "lots"}); err == nil || err.Error() != want && !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s=lots: %v; want %q", env, err, want)
		}
	}
	if _, _, err := parse(t, Global, nil, "--users-in-memory", "x"); err == nil || !strings.Contains(err.Error(), "want a whole number") {
		t.Errorf("--users-in-memory x: %v", err)
	}
}

// Help shows built-in defaults only: a secret in the environment never
// appears, whatever the setting.
func TestHelpNeverShowsTheEnvironment(t *testing.T) {
	env := map[string]string{}
	c := Default()
	for _, s := range c.Settings() {
		env[s.Env] = "mysql://user:s3cr3t@db:3306/bastion"
	}
	_, fs, _ := parse(t, Global|Serve|Dev|Shell|SlackCLI, env)
	if usage := fs.FlagUsages(); strings.Contains(usage, "s3cr3t") || !strings.Contains(usage, `(default "127.0.0.1:8080")`) ||
		!strings.Contains(usage, "default .bastion/bastion.db (the database of bastion dev) when it exists in the working directory, else bastion.db (env BASTION_DB)") {
		t.Fatalf("help shows the environment or lacks the defaults:\n%s", usage)
	}
}

func TestValidateServe(t *testing.T) {
	key := strings.Repeat("ab", 32)
	for name, c := range map[string]struct {
		env     map[string]string
		enabled bool
		err     string
	}{
		"nothing":              {},
		"events":               {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, enabled: true},
		"socket mode":          {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, enabled: true},
		"not an app token":     {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, enabled: true, err: "app-level token"},
		"token alone":          {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, err: "neither SLACK_SIGNING_SECRET"},
		"secret without token": {env: map[string]string{"SLACK_SIGNING_SECRET": "s"}, err: "SLACK_BOT_TOKEN is not set"},
		"half the install flow": {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_REDIRECT_URL": "https://b/slack/oauth/callback"},
			enabled: true, err: "needs BASTION_ENCRYPTION_KEY, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET too"},
		"client id alone": {env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "c"},
			enabled: true, err: "neither SLACK_REDIRECT_URL (the install flow) nor BASTION_CONSOLE_URL"},
		"install flow without bot": {env: map[string]string{"SLACK_CLIENT_ID": "c", "SLACK_CLIENT_SECRET": "s", "SLACK_REDIRECT_URL": "http://x/cb",
			"BASTION_ENCRYPTION_KEY": key}, err: "the bot is not"},
		"queue not NATS":    {env: map[string]string{"BASTION_NATS_URL": "redis://q"}, err: "want nats://host:port"},
		"console alone":     {env: map[string]string{"BASTION_CONSOLE_URL": "https://b.example.com/console"}, err: "needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"},
		"console not http":  {env: map[string]string{"BASTION_CONSOLE_URL": "b.example.com/console", "SLACK_CLIENT_ID": "c", "SLACK_CLIENT_SECRET": "s"}, err: "not an http(s) address"},
		"short session key": {env: map[string]string{"BASTION_CONSOLE_URL": "https://b.example.com/console", "SLACK_CLIENT_ID": "c", "SLACK_CLIENT_SECRET": "s", "BASTION_SESSION_KEY": "abcd"}, err: "at least 32 hex digits"},
		"console": {env: map[string]string{"BASTION_CONSOLE_URL": "https://b.example.com/console", "SLACK_CLIENT_ID": "c", "SLACK_CLIENT_SECRET": "s",
			"BASTION_SESSION_KEY": strings.Repeat("ab", 16)}},
		"console, bot and install flow": {env: map[string]string{"BASTION_CONSOLE_URL": "https://b.example.com/console", "SLACK_CLIENT_ID": "c",
			"SLACK_CLIENT_SECRET": "s", "SLACK_REDIRECT_URL": "https://b.example.com/slack/oauth/callback",
			"BASTION_ENCRYPTION_KEY": key, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, enabled: true},
	} {
		env := map[string]string{"BASTION_API_KEYS": "k"}
		for k, v := range c.env {
			env[k] = v
		}
		cfg, _, err := parse(t, Global|Serve, env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.BotEnabled() != c.enabled {
			t.Errorf("%s: bot enabled = %v", name, cfg.BotEnabled())
		}
		err = cfg.ValidateServe()
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: ValidateServe = %v, want %q", name, err, c.err)
		}
	}
	noKey := Default()
	if err := noKey.ValidateServe(); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("without a key: %v", err)
	}
	noKey.InsecureNoAuth = true
	if err := noKey.ValidateServe(); err != nil {
		t.Errorf("--insecure-no-auth without a key: %v", err)
	}
	flow := Config{SlackRedirectURL: "https://b.example.com/slack/oauth/callback"}
	if got := flow.InstallURL(); got != "https://b.example.com/slack/install" {
		t.Errorf("install URL = %q", got)
	}
}

func TestRedactDB(t *testing.T) {
	for in, want := range map[string]string{
		"bastion.db":                      "bastion.db",
		"sqlite:///var/b.db":              "sqlite:///var/b.db",
		"mysql://root@127.0.0.1:3306/b":   "mysql://root@127.0.0.1:3306/b",
		"mysql://u:s3cr3t@db:3306/b":      "mysql://u:xxxxx@db:3306/b",
		"mysql://u:p@ss@word@db:3306/b?x": "mysql://u:xxxxx@db:3306/b?x",
	} {
		if got := RedactDB(in); got != want {
			t.Errorf("RedactDB(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLogLevel(t *testing.T) {
	for text, want := range map[string]string{"": "WARN", "debug": "DEBUG", "INFO": "INFO", " warn ": "WARN", "error": "ERROR"} {
		c := Default()
		c.LogLevel = text
		got, err := c.Level(slog.LevelWarn)
		if err != nil || got.String() != want {
			t.Errorf("--log-level %q: %v, %v; want %s", text, got, err, want)
		}
	}
	c := Default()
	c.LogLevel, c.APIKeys = "loud", []string{"k"}
	if _, err := c.Level(slog.LevelInfo); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Errorf("unknown level: %v", err)
	}
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Errorf("serve with an unknown level: %v", err)
	}
}

func TestDevSlackNeedsBothTokens(t *testing.T) {
	c := Default()
	if err := c.ValidateDevSlack(); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN is not set") || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN is not set") {
		t.Errorf("no tokens: %v", err)
	}
	c.SlackAppToken, c.SlackBotToken = "xoxb-swapped", "xapp-swapped"
	if err := c.ValidateDevSlack(); err == nil || !strings.Contains(err.Error(), "must be an app-level token") || !strings.Contains(err.Error(), "must be a bot token") {
		t.Errorf("swapped tokens: %v", err)
	}
	c.SlackAppToken, c.SlackBotToken = "xapp-1-A1-x", "xoxb-1-x"
	if err := c.ValidateDevSlack(); err != nil {
		t.Errorf("both tokens: %v", err)
	}
}
