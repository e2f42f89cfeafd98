"""The store's records of installed workspaces (OAuth), their own Tavus keys, the OAuth flow's
one-time states, and which instance leads. Secrets arrive here already sealed."""

from __future__ import annotations

from typing import Any

from bot.store.backends import insert_sql
from bot.store.base import StoreBase


class WorkspaceRecords(StoreBase):
    def save_workspace(self, team_id: str, **values: Any) -> None:
        row = {"team_id": team_id, **values}
        names = ", ".join(f"{k} = excluded.{k}" for k in values)
        sql, params = insert_sql("workspaces", row)
        with self.db.write() as tx:
            tx.execute(f"{sql} on conflict (team_id) do update set {names}", params)

    def workspace(self, team_id: str) -> dict[str, Any] | None:
        return self._one("select * from workspaces where team_id = ?", (team_id,))

    def installed_bots(self) -> list[dict[str, Any]]:
        """Every workspace that has a bot token (still sealed), for `tavus-slack doctor`."""
        return self.db.read(
            "select team_id, bot_token_enc, team_name from workspaces where bot_token_enc is not null "
            "order by team_id"
        )

    def forget_bot(self, team_id: str) -> None:
        """Uninstalled or tokens revoked: drop the bot token, keep the workspace's history."""
        with self.db.write() as tx:
            tx.execute("update workspaces set bot_token_enc = null where team_id = ?", (team_id,))
            self._audit(tx, team_id, None, "workspace.uninstall", team_id, None)

    def issue_state(self, state: str, expires_at: str) -> None:
        with self.db.write() as tx:
            tx.execute(*insert_sql("oauth_states", {"state": state, "expires_at": expires_at}))

    def consume_state(self, state: str, now: str) -> bool:
        """True once for a state issued and not yet expired."""
        with self.db.write() as tx:
            return tx.execute("delete from oauth_states where state = ? and expires_at > ?", (state, now)) > 0

    def lead(self) -> bool:
        """Whether this process is the one that reconciles and recovers. The lock is released by
        the operating system or PostgreSQL when the holder dies, so a restart takes over at once."""
        return self.db.leader_lock()
