"""Members write to the cooperative and the admins answer: one conversation per member, each
message a card on every admin's phone with Reply, and /inbox listing the conversations that wait
for an answer and those answered."""
