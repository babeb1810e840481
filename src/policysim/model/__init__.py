"""The pure simulation model: demand, chats, agents, pay, workforce. No files, prints or plots."""
