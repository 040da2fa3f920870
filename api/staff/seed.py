"""Development staff accounts: ``python -m api.staff.seed`` (run by ``make run``).

One account per role and one department clerk per catalog department, each with a new random
password printed once; an existing development account gets a new password (so the printed ones
always work). Refuses to run in production (APP_ENV): production accounts are created by an
administrator with ``python -m api.staff.seed --create <user> <role> [--department d] [--region r]``,
which asks for the password.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from sqlalchemy import select

from api.catalog.loader import get_catalog
from api.db import get_sessionmaker
from api.security.config import is_production
from api.security.principal import ROLE_TEXT
from api.staff import service
from api.staff.models import StaffAccount


def dev_accounts() -> list[tuple[str, str, str | None, str | None, str]]:
    """(username, role, department, region, display name) of the development accounts."""
    catalog = get_catalog()
    out: list[tuple[str, str, str | None, str | None, str]] = [
        (f"clerk-{key}", "department", key, None, f"{dept.short_name}经办人")
        for key, dept in catalog.departments.items()
    ]
    out += [
        ("window1", "window_staff", None, None, "窗口工作人员"),
        ("hotline1", "hotline_staff", None, None, "热线工作人员"),
        ("region-520000", "regional_admin", None, catalog.default_region, "省级管理员"),
        ("supervisor1", "supervisor", None, None, "监督人员"),
        ("admin1", "admin", None, None, "系统管理员"),
    ]
    return out


def seed_dev_accounts() -> list[tuple[str, str, str]]:
    """Create or reset the development accounts; returns (username, password, what) per account."""
    printed: list[tuple[str, str, str]] = []
    accounts = dev_accounts()
    passwords = [secrets.token_urlsafe(9) for _ in accounts]
    # hashed before the transaction: on SQLite it holds the write lock, and `make run` seeds while
    # the API already serves families (seconds of scrypt on busy cores, which their submissions
    # would wait for)
    hashes = [service.hash_password(password) for password in passwords]
    with get_sessionmaker()() as session:
        for (username, role, dept, region, display), password, hashed in zip(
            accounts, passwords, hashes, strict=True
        ):
            account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
            if account is None:
                service.create_account(
                    session,
                    username,
                    password,
                    role,
                    department=dept,
                    region=region,
                    display_name=display,
                    password_hash=hashed,
                )
            else:
                account.password_hash = hashed
                account.active = True
            what = ROLE_TEXT[role] + (f"（{get_catalog().departments[dept].short_name}）" if dept else "")
            what += f"（{region}）" if region else ""
            printed.append((username, password, what))
        session.commit()
    return printed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="工作人员账号")
    parser.add_argument("--create", nargs=2, metavar=("USERNAME", "ROLE"), help="创建一个账号（会询问密码）")
    parser.add_argument("--department")
    parser.add_argument("--region")
    parser.add_argument("--name")
    args = parser.parse_args(argv)
    if args.create:
        username, role = args.create
        password = getpass.getpass("新密码（至少 10 个字符）：")
        with get_sessionmaker()() as session:
            try:
                service.create_account(
                    session,
                    username,
                    password,
                    role,
                    department=args.department,
                    region=args.region,
                    display_name=args.name,
                )
            except service.AccountError as exc:
                print(exc, file=sys.stderr)
                return 2
            session.commit()
        print(f"已创建账号 {username}")
        return 0
    if is_production():
        print("生产环境不创建开发账号；请用 --create 逐个创建。", file=sys.stderr)
        return 2
    print("  Staff sign-in (development accounts, new passwords each run): /staff/login")
    for username, password, what in seed_dev_accounts():
        print(f"    {username:<34} {password:<14} {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
