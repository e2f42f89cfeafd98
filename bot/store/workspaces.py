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

    # issue 23: a workspace's replaced Tavus keys, kept while objects made with them live
    def claim_tavus_account(self, team_id: str, account: str) -> None:
        """Rows from before accounts were recorded belong to the key of the day: say which, before
        it changes."""
        with self.db.write() as tx:
            for table in ("personas", "conversations"):
                tx.execute(
                    f"update {table} set tavus_account = ? where team_id = ? and tavus_account is null",
                    (account, team_id),
                )

    def retain_tavus_key(self, team_id: str, account: str, key_enc: str, at: str) -> None:
        row = {"team_id": team_id, "account": account, "key_enc": key_enc, "retired_at": at}
        sql, params = insert_sql("tavus_keys", row)
        with self.db.write() as tx:
            tx.execute(
                f"{sql} on conflict (team_id, account) do update set key_enc = excluded.key_enc", params
            )

    def retained_tavus_key(self, team_id: str, account: str) -> str | None:
        row = self._one(
            "select key_enc from tavus_keys where team_id = ? and account = ?", (team_id, account)
        )
        return row["key_enc"] if row else None

    def prune_tavus_keys(self, team_id: str) -> int:
        """Forget replaced keys no persona or conversation we keep was made with any more."""
        with self.db.write() as tx:
            return tx.execute(
                "delete from tavus_keys where team_id = ? and account not in (select tavus_account "
                "from personas where team_id = ? and deleted_at is null and tavus_account is not null) "
                "and account not in (select tavus_account from conversations where team_id = ? "
                "and tavus_account is not null and conversation_id is not null "
                "and coalesce(token_hash, '') not like 'forgotten:%')",
                (team_id, team_id, team_id),
            )

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
