"""Conversation analysis: grooming, sextortion, coercive control and recruitment in chats.

A chat is an `Item` of kind "chat" whose `messages` are evaluated one by one with the `chats` catalogue; the
conversation-level logic (who carries the risk, which stages appeared in what order, the combinations that
make a conversation serious, the message at which it first reached high risk) lives in `assess`. The rules
are explained in docs/chats.md.
"""
