// eventsink-producer: placeholder until the producer lands.
int main() { return 0; }
