"""The peer engine of `tutor-bench answers --arrival`: the bot a user would
otherwise write for the tutor's answer path, on aiogram 3 (uvloop when installed)
with SQLite in WAL mode, synchronous=FULL, one transaction per answer.

For every answer it does the tutor's work for that kind of update:
- reads the card and its question from the database, grades the answer (a button
  tap `1:a:<question>:<shown index>`, or a typed reply to the card: a letter, or
  对/错 for a judge question), and records it in one transaction (the card closed,
  the answer logged, the learner's progress on the question updated), committed
  before anything is sent;
- a tap: the ✅/❌ toast (answerCallbackQuery), the card's keyboard removed
  (editMessageReplyMarkup) and the verdict message replying to the card, with the
  answers, the explanation and three buttons (sendMessage);
- a typed reply: the card's keyboard removed and the verdict message.

SQLite calls run on one thread of their own with one connection (as aiosqlite
does), so the event loop is never blocked by a commit.

Started by the bench as
    python3 peer.py --api URL --token TOKEN --plan PLAN.json --db DB.sqlite
it loads the plan (questions and open cards, written by the bench) into a new
database, then polls. It stops on SIGTERM.
"""

import argparse
import asyncio
import html
import json
import logging
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

LETTERS = "ABCDEFGH"
SCHEMA = """
CREATE TABLE questions (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, options TEXT NOT NULL,
    key TEXT NOT NULL, explanation TEXT NOT NULL, section TEXT
);
CREATE TABLE cards (
    chat INTEGER NOT NULL, message INTEGER NOT NULL, question TEXT NOT NULL,
    shown TEXT NOT NULL, open INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (chat, message)
);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY, learner INTEGER NOT NULL, question TEXT NOT NULL,
    response TEXT NOT NULL, right INTEGER NOT NULL, at REAL NOT NULL
);
CREATE TABLE progress (
    learner INTEGER NOT NULL, question TEXT NOT NULL, reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL, last_right INTEGER NOT NULL, due REAL NOT NULL,
    PRIMARY KEY (learner, question)
);
"""


class Store:
    """One SQLite connection, used from one thread only."""

    def __init__(self, path, plan_path):
        if os.path.exists(path):
            os.remove(path)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        with open(plan_path, encoding="utf-8") as f:
            plan = json.load(f)
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    qid,
                    q["kind"],
                    json.dumps(q["options"], ensure_ascii=False),
                    json.dumps(q["key"]),
                    q["explanation"],
                    q.get("section"),
                )
                for qid, q in plan["questions"].items()
            ],
        )
        self.db.executemany(
            "INSERT INTO cards (chat, message, question, shown) VALUES (?, ?, ?, ?)",
            [(c[0], c[1], c[2], json.dumps(c[3])) for c in plan["cards"]],
        )
        self.db.execute("COMMIT")

    def answer(self, chat, message, learner, tap_question, tap_index, text):
        """Grades and records one answer in one transaction. Returns None when the
        card is unknown, closed or the answer unreadable, else the verdict's parts."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT c.question, c.shown, c.open, q.kind, q.options, q.key,"
                " q.explanation, q.section FROM cards c JOIN questions q"
                " ON q.id = c.question WHERE c.chat = ? AND c.message = ?",
                (chat, message),
            ).fetchone()
            if row is None or not row[2]:
                db.execute("ROLLBACK")
                return None
            qid, shown, _, kind, options, key, explanation, section = row
            if tap_question is not None and tap_question != qid:
                db.execute("ROLLBACK")
                return None
            shown, options, key = json.loads(shown), json.loads(options), json.loads(key)
            graded = grade(kind, options, shown, key, tap_index, text)
            if graded is None:
                db.execute("ROLLBACK")
                return None
            right, given, correct, correct_lines = graded
            now = time.time()
            db.execute("UPDATE cards SET open = 0 WHERE chat = ? AND message = ?", (chat, message))
            db.execute(
                "INSERT INTO answers (learner, question, response, right, at) VALUES (?, ?, ?, ?, ?)",
                (learner, qid, given, int(right), now),
            )
            db.execute(
                "INSERT INTO progress VALUES (?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (learner, question) DO UPDATE SET reps = reps + 1,"
                " lapses = lapses + excluded.lapses, last_right = excluded.last_right,"
                " due = excluded.due",
                (learner, qid, int(not right), int(right), now + (86400 if right else 600)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return right, given, correct, correct_lines, explanation, section, qid


def grade(kind, options, shown, key, tap_index, text):
    """(right, given, correct, lines of the right options) or None if unreadable."""
    if kind == "judge":
        if tap_index is not None:
            if tap_index not in (0, 1):
                return None
            said = tap_index == 0
        elif text in ("对", "错"):
            said = text == "对"
        else:
            return None
        word = lambda b: "对" if b else "错"  # noqa: E731
        return said == key, word(said), word(key), []
    if tap_index is None:
        t = (text or "").strip().upper()
        if len(t) != 1 or t not in LETTERS:
            return None
        tap_index = LETTERS.index(t)
    if not 0 <= tap_index < len(shown):
        return None
    right_shown = [i for i, o in enumerate(shown) if o in key]
    return (
        shown[tap_index] in key,
        LETTERS[tap_index],
        "".join(LETTERS[i] for i in right_shown),
        [f"{LETTERS[i]}. {options[shown[i]]}" for i in right_shown],
    )


def verdict_text(right, given, correct, lines, explanation):
    mark = "✅" if right else "❌"
    head = "回答正确！" if right else "回答错误"
    out = [f"{mark} <b>{head}</b>", f"你的答案：{html.escape(given)}", f"正确答案：<b>{html.escape(correct)}</b>"]
    out += [html.escape(line) for line in lines]
    out += ["", "<b>解析</b>", html.escape(explanation)]
    return "\n".join(out)


def verdict_keyboard(qid, section):
    row = []
    if section:
        row.append(InlineKeyboardButton(text="📖 读这一节", callback_data=f"1:r:{section}"))
    row.append(InlineKeyboardButton(text="☆ 收藏", callback_data=f"1:v:{qid}"))
    row.append(InlineKeyboardButton(text="下一题 ▶", callback_data="1:n:a"))
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--db", required=True)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
    loop = asyncio.get_running_loop()
    store = await loop.run_in_executor(pool, Store, args.db, args.plan)

    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api))
    bot = Bot(args.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    dp = Dispatcher()

    async def record(chat, message, learner, tap_question, tap_index, text):
        graded = await loop.run_in_executor(
            pool, store.answer, chat, message, learner, tap_question, tap_index, text
        )
        if graded is None:
            return None
        right, given, correct, lines, explanation, section, qid = graded
        return right, verdict_text(right, given, correct, lines, explanation), verdict_keyboard(qid, section)

    async def deliver(chat, card, text, keyboard):
        # Close the card: no keyboard, so it cannot be answered twice.
        await bot.edit_message_reply_markup(chat_id=chat, message_id=card, reply_markup=None)
        await bot.send_message(
            chat,
            text,
            reply_parameters=ReplyParameters(message_id=card),
            reply_markup=keyboard,
        )

    @dp.callback_query(F.data.startswith("1:a:"))
    async def on_tap(q: CallbackQuery):
        parts = q.data.split(":")
        msg = q.message
        if len(parts) != 4 or not parts[3].isdigit() or msg is None:
            await q.answer("无效的操作")
            return
        got = await record(msg.chat.id, msg.message_id, q.from_user.id, parts[2], int(parts[3]), None)
        if got is None:
            await q.answer("已作答")
            return
        right, text, keyboard = got
        await q.answer("✅ 正确" if right else "❌ 错误")
        await deliver(msg.chat.id, msg.message_id, text, keyboard)

    @dp.message(F.reply_to_message)
    async def on_reply(m: Message):
        card = m.reply_to_message
        got = await record(m.chat.id, card.message_id, m.from_user.id, None, None, m.text)
        if got is None:
            await bot.send_message(m.chat.id, "这道题已经答过了，或答案无法识别。")
            return
        _, text, keyboard = got
        await deliver(m.chat.id, card.message_id, text, keyboard)

    try:
        await dp.start_polling(bot, handle_signals=True)
    finally:
        await loop.run_in_executor(pool, store.db.close)
        pool.shutdown(wait=True)


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        uvloop = None
    if uvloop is not None:
        uvloop.run(main())
    else:
        asyncio.run(main())
