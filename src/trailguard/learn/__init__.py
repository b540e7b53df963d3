"""Trainable scorers that sit beside the rules, for teams with labelled cases of their own.

`features` turns a conversation into numbers (word and character n-grams, the conversation's shape),
`modelfile` saves and loads a trained scorer as plain arrays and JSON (never pickle: a model file may come
from a stranger), `chat_scorer` trains, cross-validates and explains the chat scorer. docs/chats.md
describes the model and its file.
"""
