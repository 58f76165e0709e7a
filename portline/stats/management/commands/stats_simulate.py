import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from portline.stats.services import simulation_params_for_ports
from portline.stats.simulation import SimulationError, simulate
from portline.stats.simulation_charts import backlog_chart, split_chart, wait_chart


class Command(BaseCommand):
    help = (
        "Run the real allocation engine day by day over a synthetic population and report "
        "waits, backlog and shares: portline simulate --days 90 --daily-requests 280000 "
        "--capacity 1450 --split 0.3"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument(
            "--daily-requests", type=int, default=280_000, help="units asking on day one"
        )
        parser.add_argument(
            "--capacity", type=int, default=1_450, help="places (people) a day, all ports"
        )
        parser.add_argument(
            "--split", type=float, default=0.5, help="share for the longest-waiting, 0-1"
        )
        parser.add_argument(
            "--compare-splits",
            default="",
            help="also run these splits (comma-separated, e.g. 0,0.3,0.5,0.7) with the same seed",
        )
        parser.add_argument(
            "--repeat-rate", type=float, default=0.8, help="chance a waiting unit asks each day"
        )
        parser.add_argument(
            "--new-per-day", type=int, help="new units a day (default: 1%% of --daily-requests)"
        )
        parser.add_argument("--confirm-rate", type=float, default=0.9)
        parser.add_argument("--no-show-rate", type=float, default=0.05)
        parser.add_argument(
            "--history-days",
            type=int,
            default=240,
            help="the initial pool registered over these past days",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", help="folder for summary.json and the charts")
        parser.add_argument("--chart-format", choices=["svg", "png"], default="svg")

    def handle(self, *args, **o):
        try:
            splits = [float(s) for s in o["compare_splits"].split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError(
                "--compare-splits takes numbers between 0 and 1, e.g. 0,0.3,0.5"
            ) from exc
        try:
            params = simulation_params_for_ports(
                days=o["days"],
                daily_requests=o["daily_requests"],
                capacity=o["capacity"],
                split=o["split"],
                repeat_rate=o["repeat_rate"],
                new_per_day=o["new_per_day"],
                confirm_rate=o["confirm_rate"],
                no_show_rate=o["no_show_rate"],
                history_days=o["history_days"],
                seed=o["seed"],
            ).checked()
            for split in splits:
                params.__class__(**{**params.__dict__, "split": split}).checked()
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        runs = []
        for split in [params.split, *[s for s in splits if s != params.split]]:
            bar = tqdm(
                total=params.days,
                desc=f"split {split:.0%}",
                unit="day",
                file=self.stderr,
                disable=not self.stderr.isatty(),
            )

            def tick(day, bar=bar):
                bar.n = day
                bar.refresh()

            result = simulate(params.__class__(**{**params.__dict__, "split": split}), tick)
            bar.close()
            runs.append((split, result))
        main = runs[0][1]
        self._summary(params, main, runs)
        if o["out"]:
            out = Path(o["out"])
            out.mkdir(parents=True, exist_ok=True)
            fmt = o["chart_format"]
            body = {"main": main.as_dict(), "splits": {str(s): r.wait_days for s, r in runs}}
            (out / "summary.json").write_text(json.dumps(body, indent=1, default=str))
            (out / f"backlog.{fmt}").write_bytes(backlog_chart(main, fmt))
            (out / f"waits.{fmt}").write_bytes(wait_chart(main, fmt))
            if len(runs) > 1:
                ordered = sorted((s, r.wait_days) for s, r in runs)
                (out / f"splits.{fmt}").write_bytes(split_chart(ordered, fmt))
            self.stdout.write(f"wrote summary.json and charts to {out}")

    def _summary(self, params, result, runs):
        w = result.wait_days
        write = self.stdout.write
        write(
            f"{params.days} days, {params.capacity} places a day, split {params.split:.0%}, "
            f"{result.requests[0]:,} units asking on day 1, {params.arrivals:,} new a day, seed {params.seed}"
        )
        if w:
            write(
                f"days waited by those served: median {w['p50']:.0f}, p90 {w['p90']:.0f}, "
                f"p99 {w['p99']:.0f}, mean {w['mean']:.1f}"
            )
        else:
            write("nobody was served")
        write(
            f"backlog: {result.backlog_people[0]:,} people after day 1, "
            f"{result.backlog_people[-1]:,} after day {params.days}"
        )
        served = sum(result.served_people)
        unfilled = (
            sum(result.unfilled_places) / (params.capacity * params.days) if params.capacity else 0
        )
        write(f"served: {served:,} people; places left empty: {unfilled:.2%}")
        write(
            "chance by group size vs one person: "
            + ", ".join(f"{k}: {v:.2f}" for k, v in result.selection_ratio_by_size.items())
        )
        write(
            "share served by port (requested): "
            + ", ".join(
                f"{code} {result.share_by_port['served'][code]:.1%} ({result.share_by_port['requested'][code]:.1%})"
                for code in params.port_codes
            )
        )
        for note in result.notes:
            write(f"note: {note}")
        if len(runs) > 1:
            write("longest-waiting share vs days waited (median / p90):")
            for split, r in sorted(runs, key=lambda item: item[0]):
                write(
                    f"  {split:.0%}: {r.wait_days.get('p50', 0):.0f} / {r.wait_days.get('p90', 0):.0f}"
                )
