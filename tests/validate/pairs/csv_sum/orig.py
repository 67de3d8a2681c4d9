#!/usr/bin/python3
"""sales_report: total a CSV of "region,amount" lines (amounts in cents, one header
line) per region; write the table to report.txt, sorted by region, and print the
grand total."""
import sys


def money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return "%s%d.%02d" % (sign, cents // 100, cents % 100)


def main():
    if len(sys.argv) != 2:
        print("usage: sales_report FILE.csv", file=sys.stderr)
        return 2
    totals = {}
    with open(sys.argv[1]) as f:
        header = f.readline()
        if header.strip() != "region,amount":
            print("sales_report: unexpected header %r" % header.strip(), file=sys.stderr)
            return 1
        for line in f:
            if not line.strip():
                continue
            region, amount = line.strip().split(",")
            totals[region] = totals.get(region, 0) + int(amount)
    with open("report.txt", "w") as out:
        for region in sorted(totals):
            out.write("%-8s %12s\n" % (region, money(totals[region])))
    print("%d regions, total %s" % (len(totals), money(sum(totals.values()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
