"""`portline <noun> <verb>`: the console command over Django's management commands.

A management command named `noun_verb` in a Portline app is `portline noun verb`; a few
single words map to Django's own commands. `portline --help` lists them all.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "serve": (
        "serve",
        "Serve Portline on http://127.0.0.1:8000 (production server; --dev: autoreloading)",
    ),
    "migrate": ("migrate", "Create or update the database tables"),
    "worker": ("worker", "Run a background task worker (with a heartbeat; see docs/deployment.md)"),
    "backup": ("backup", "Back up the database and private files: portline backup FOLDER"),
    "restore": (
        "restore",
        "Restore a backup into the configured database: portline restore FOLDER",
    ),
    "check": ("check", "Check the configuration (add --deploy for production checks)"),
    "shell": ("shell", "Python shell with Portline loaded"),
    "manage": (None, "Any Django management command: portline manage COMMAND ..."),
    "report": (
        "stats_report",
        "Published statistics offline: portline report --from D --to D --by port,nationality --format csv|xlsx|pdf",
    ),
    "simulate": (
        "stats_simulate",
        "Try an allocation policy on a synthetic population: portline simulate --days 90 --daily-requests 280000",
    ),
    "screen": (
        "screen",
        'Screen a name against the active watchlists: portline screen "NAME" --dob YYYY-MM-DD --nationality XX',
    ),
}


def _portline_commands() -> dict[str, str]:
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in get_commands().items():
        if app.startswith("portline.") and name not in ALIASES:
            try:
                found[name] = load_command_class(app, name).help.splitlines()[0]
            except Exception as exc:  # a broken command must not hide the others
                found[name] = f"(cannot load: {exc})"
    return found


def _usage(commands: dict[str, str], *, aliases: bool = True) -> str:
    lines = ["usage: portline COMMAND [ARGS...]", "", "Commands:"]
    for word, (_target, text) in ALIASES.items() if aliases else ():
        lines.append(f"  {word:<28} {text}")
    for name in sorted(commands):
        noun, _sep, verb = name.partition("_")
        lines.append(f"  {noun + ' ' + verb.replace('_', '-'):<28} {commands[name]}")
    lines.append("")
    lines.append("`portline COMMAND --help` explains a command's arguments.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    commands = _portline_commands()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_usage(commands))
        return
    if argv[0] in ALIASES:
        target = ALIASES[argv[0]][0]
        execute_from_command_line(["portline", *([target] if target else []), *argv[1:]])
        return
    if len(argv) == 1 or argv[1] in {"-h", "--help", "help"}:
        group = {name: text for name, text in commands.items() if name.partition("_")[0] == argv[0]}
        if group:  # `portline lottery` or `portline lottery --help`: that noun's commands
            print(_usage(group, aliases=False))
            return
    if len(argv) >= 2:
        name = f"{argv[0]}_{argv[1].replace('-', '_')}"
        if name in commands:
            execute_from_command_line(["portline", name, *argv[2:]])
            return
    print(
        f"portline: unknown command {' '.join(argv[:2])!r}\n\n{_usage(commands)}", file=sys.stderr
    )
    raise SystemExit(2)


if __name__ == "__main__":
    main()
