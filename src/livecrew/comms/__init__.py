"""Team channels (頻道): show and workspace channels, tagged messages, mentions, and the host's screen."""
