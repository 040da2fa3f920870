"""Print the development credentials: ``python -m api.security.keys`` (``make run`` shows them).

In production (APP_ENV=production) there are none: set DEPARTMENT_API_KEYS, STAFF_TOKENS and
ASSISTANT_API_KEY.
"""

from __future__ import annotations

import os
import sys

from api.security import config


def main() -> int:
    if config.is_production():
        print("生产环境不提供开发凭证：请设置 DEPARTMENT_API_KEYS、STAFF_TOKENS 和 ASSISTANT_API_KEY。")
        return 0
    dev = f"开发凭证（由 {config.dev_secret_path()} 派生）"
    src_d = "DEPARTMENT_API_KEYS" if os.environ.get("DEPARTMENT_API_KEYS") else dev
    src_s = "STAFF_TOKENS" if os.environ.get("STAFF_TOKENS") else dev
    print(f"部门接口密钥（请求头 X-Api-Key），来源：{src_d}")
    for dept, key in sorted(config.department_keys().items()):
        print(f"  {dept:<28} {key}")
    print(f"工作人员令牌（请求头 X-Staff-Token），来源：{src_s}")
    for token, (role, staff_id) in sorted(config.staff_tokens().items(), key=lambda x: x[1]):
        print(f"  {role:<14} {staff_id:<8} {token}")
    src_a = "ASSISTANT_API_KEY" if os.environ.get("ASSISTANT_API_KEY", "").strip() else "开发默认值"
    print(f"助手动作服务器凭证（请求头 X-Assistant-Key），来源：{src_a}")
    print(f"  {'action server':<23} {config.assistant_api_key()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
