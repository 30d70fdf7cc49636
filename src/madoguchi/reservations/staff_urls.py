"""Staff reservation pages (namespace ``reservations_staff``, under ``staff/reservations/``)."""

from django.urls import URLPattern, path

from . import checkin_views, planning_views, staff_views, waiting_views

app_name = "reservations_staff"

urlpatterns: list[URLPattern] = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.edit, name="new"),
    path("<int:counter_id>/edit/", staff_views.edit, name="edit"),
    path("<int:counter_id>/closures/", staff_views.add_closure, name="add_closure"),
    path("<int:counter_id>/block/", staff_views.block, name="block"),
    path("<int:counter_id>/waiting/", waiting_views.queue, name="waiting"),
    path("<int:counter_id>/waiting/issue/", waiting_views.issue, name="waiting_issue"),
    path("<int:counter_id>/waiting/call/", waiting_views.call_next, name="waiting_call"),
    path("<int:counter_id>/waiting/checkin/", checkin_views.check_in, name="waiting_checkin"),
    path("tickets/<int:ticket_id>/", waiting_views.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/recall/", waiting_views.recall, name="ticket_recall"),
    path("tickets/<int:ticket_id>/finish/", waiting_views.finish, name="ticket_finish"),
    path("<int:counter_id>/week/", planning_views.week, name="week"),
    path("<int:counter_id>/lengths/", planning_views.lengths, name="lengths"),
    path("<int:counter_id>/statistics/", planning_views.statistics_page, name="statistics"),
    path("bookings/<int:booking_id>/move/", planning_views.move, name="move"),
    path("<int:counter_id>/<str:day>/", staff_views.day, name="day"),
    path("bookings/<int:booking_id>/mark/", staff_views.mark, name="mark"),
]
